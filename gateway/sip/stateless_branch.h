#pragma once
// The Via branch of a request the proxy forwards without a transaction (RFC 3261 §16.11), and
// the check that lets a response carrying it go back upstream. Pure apart from OpenSSL's HMAC.
//
// §16.11: a stateless proxy's branch must be unique across requests yet the same for every
// retransmission of one request, so it is computed from the request; any technique with those
// two properties will do. Ours is
//   z9hG4bK-p2psl- || hex(first 16 bytes of HMAC-SHA256(key, "p2psip-sl-v1" ||
//       len(upstream Via) || upstream Via || len(Call-ID) || Call-ID || CSeq number || method))
// with the upstream Via as received and pinned (via_pin.h), serialized by Sofia: it holds the
// previous hop's own branch, which makes the value unique, and it is the Via a response must
// go on to. A response is forwarded (§16.11: our Via removed, sent to the next one) only when
// its top Via is ours and its branch is this token for its own next Via, Call-ID and CSeq: no
// table, and a response whose next Via was rewritten downstream (to steer our datagram to a
// third party) or that we never caused does not verify. The key is random per process: after
// a restart, responses to requests forwarded before it are dropped (their UAC retransmits).

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/sip/keyed_mac.h"

namespace p2psip::sip {

class StatelessBranch {
 public:
  static constexpr std::string_view kPrefix = "z9hG4bK-p2psl-";  // RFC 3261's magic cookie first

  explicit StatelessBranch(const KeyedMac::Key& key);
  static StatelessBranch random();

  // The branch (kPrefix and 32 lowercase hex digits) for a request whose top Via, as received
  // and pinned, serializes to `upstream_via`.
  std::string make(std::string_view upstream_via, std::string_view call_id, std::uint32_t cseq,
                   std::string_view method) const;
  // True when `branch` has our prefix (only then is verify() worth asking).
  static bool has_prefix(std::string_view branch) { return branch.starts_with(kPrefix); }
  // True when `branch` is make() of the response's next Via, Call-ID and CSeq (constant time).
  bool verify(std::string_view branch, std::string_view next_via, std::string_view call_id,
              std::uint32_t cseq, std::string_view method) const;

 private:
  KeyedMac mac_;
};

}  // namespace p2psip::sip
