#pragma once
// Responses that match no client transaction (nta's message callback): forward or drop. Pure.
//
// RFC 3261 §16.7 step 10 / §13.3.1.4 and RFC 6026 §7.1-7.2: the callee's UA retransmits its
// 2xx to INVITE until the ACK arrives, and a proxy forwards each retransmission upstream; RFC
// 6026 keeps the proxy's INVITE client transaction in the "Accepted" state for 64*T1 (Timer M)
// to do so. Our INVITE client transaction to a UDP next hop ends at the first 2xx
// (invite_client.h), and nta's (TCP/TLS) hands later ones to the message callback once the
// first is relayed (nta.c outgoing_recv: a destroyed INVITE transaction returns the 2xx "to
// proxy statelessly"), so the Accepted state lives here:
// the branches whose first 2xx was relayed, each with the Via it must go on to (the top Via
// of the request as received and pinned, via_pin.h).
//
// Hostile edge: only a 2xx to INVITE whose top Via is ours with a branch in that table, and
// whose next Via is exactly the one the request came with, is forwarded (a downstream
// rewriting that Via would steer our datagram to a third party, or make nta resolve a name on
// the loop). Everything else is dropped and counted. The table is bounded in time (Timer M)
// and in size (oldest first).
//
// Responses to the requests the proxy forwards without a transaction (an in-dialog BYE over
// UDP, stateless_forward.h) come here too, every one of them (§16.11: a stateless proxy
// forwards each response by its Vias). Their branch is a keyed token (stateless_branch.h) that
// the adapter checks against the response's next Via, Call-ID and CSeq: only a verified one is
// forwarded.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace p2psip::sip {

struct StrayResponseFacts {
  int status = 0;
  bool cseq_invite = false;
  bool top_via_ours = false;  // sent-by host and port are the gateway's
  // The upstream Via recorded for the top Via's branch (AcceptedBranches::find); nullopt:
  // not a branch of ours in the Accepted state.
  std::optional<std::string> accepted_upstream_via;
  std::optional<std::string> second_via;  // the response's next Via, as text
  // The top Via's branch has StatelessBranch's prefix; `stateless_verified`: it is the token
  // for this response's next Via, Call-ID and CSeq (StatelessBranch::verify).
  bool stateless_branch = false;
  bool stateless_verified = false;
};

enum class StrayVerdict {
  forward,
  not_2xx_invite,    // non-2xx or not INVITE: the transaction handled it (§16.7: not forwarded)
  not_our_via,       // top Via names another host/port
  unknown_branch,    // not a branch whose 2xx we relayed within Timer M
  no_next_via,       // nowhere upstream to send it
  next_via_altered,  // the next Via differs from the one the request arrived with
  forward_stateless,     // a response to a request we forwarded statelessly (§16.11)
  stateless_unverified,  // our stateless prefix, but not our token for this next Via and CSeq
};

StrayVerdict decide_stray_response(const StrayResponseFacts& f);
std::string_view to_string(StrayVerdict v);

// Branches in RFC 6026's Accepted state: branch -> upstream Via, for `ttl` after the first
// 2xx, at most `max_entries` (the oldest is forgotten first). `now`: Clock::monotonic().
// A branch remembered again keeps its first expiry (Timer M starts at the first 2xx).
class AcceptedBranches {
 public:
  // 65,536 entries (~250 B each, ~16 MB at the cap) cover Timer M's 32 s up to ~2,000 calls/s;
  // past that the oldest go first and their late retransmissions are dropped (counted).
  static constexpr std::size_t kDefaultMaxEntries = 65536;
  explicit AcceptedBranches(Millis ttl, std::size_t max_entries = kDefaultMaxEntries)
      : ttl_(ttl), max_entries_(max_entries) {}
  void remember(const std::string& branch, std::string upstream_via, Millis now);
  std::optional<std::string> find(const std::string& branch, Millis now);
  std::size_t size() const { return entries_.size(); }
  // Forgets the expired branches (remember() does too). Called every second by the proxy so
  // that a load's entries go once it has ended: left to the next call, each one's few small
  // blocks pinned a page of the heap amid the freed calls (malloc_trim cannot return a page
  // with a live block; issue 18, bench/RESULTS-memory.md).
  void expire(Millis now);

 private:
  struct Entry {
    std::string upstream_via;
    Millis expires;
  };

  Millis ttl_;
  std::size_t max_entries_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // the keys of entries_, oldest first
};

}  // namespace p2psip::sip
