#pragma once
// Requests the proxy forwards without a transaction (RFC 3261 §16.11), on nta:
//  - the ACK for a 2xx (§13.2.2.4, §16.7 step 10: a request of its own, no part of the
//    INVITE's transaction; nta's own stateless branch);
//  - an in-dialog BYE that arrived over UDP on a verified route set (proxy_policy.h
//    forwards_statelessly). Held by a transaction, each BYE kept its request and response
//    for Timer J (32 s) and the forwarded copy for Timer K (5 s): about 10 KB per call, a
//    third of what a call left behind (bench/RESULTS-memory.md). Forwarded statelessly,
//    nothing is kept once it is sent: its branch is a keyed token (stateless_branch.h) by
//    which every response finds its way back (Proxy::handle_stray_response). What changes for
//    the caller: a retransmitted BYE goes on again and the callee's transaction answers it
//    (§16.11: a stateless proxy forwards the retransmissions it receives), and a BYE whose
//    next hop never answers gets no 408 from the gateway: the caller's own Timer F ends it
//    after the same 32 s.
// The next hop (the top Route left after ours, else the Request-URI) is resolved by RFC 3263
// through dns::Resolver, never on the loop; the first usable target is taken (§16.11: one
// target, the same for a retransmission). The message waits meanwhile, at most kMaxPending of
// them (an outsider's flood of ACKs to slow names must not grow memory; beyond, a request is
// dropped, and logged with the count of such refusals, the first and every 1024th), then
// nta_msg_tsend sends it and keeps nothing.

#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "dns/resolver.h"
#include "gateway/sip/sofia_handles.h"
#include "gateway/sip/stateless_branch.h"

struct nta_agent_s;
struct sip_s;

namespace p2psip::metrics {
class GatewayMetrics;
class SipMetrics;
}  // namespace p2psip::metrics

namespace p2psip::sip {

class StatelessForwarder {
 public:
  static constexpr std::size_t kMaxPending = 4096;

  struct Deps {
    nta_agent_s* agent = nullptr;
    dns::Resolver* resolver = nullptr;
    metrics::GatewayMetrics* metrics = nullptr;
    metrics::SipMetrics* sip_metrics = nullptr;
    bool tls = false;  // SIP over TLS configured: TLS targets are usable
    std::shared_ptr<spdlog::logger> log;
  };

  explicit StatelessForwarder(Deps deps, StatelessBranch branch = StatelessBranch::random());
  ~StatelessForwarder();
  StatelessForwarder(const StatelessForwarder&) = delete;
  StatelessForwarder& operator=(const StatelessForwarder&) = delete;

  // Forwards `msg` (`sip` is its): `pop_route` removes our Route first; Max-Forwards is
  // decremented (a request at 0 is dropped: a BYE's 483 is the caller's to send before).
  // `keyed_branch`: the Via branch is StatelessBranch's (BYE); otherwise nta's (ACK).
  void forward(sofia::Message msg, sip_s* sip, bool pop_route, bool keyed_branch);
  const StatelessBranch& branches() const { return branches_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    sofia::Message msg;
    dns::Resolver::Id id = 0;
    std::string branch;  // empty: nta's
  };
  void resolved(std::uint64_t key, const std::string& uri, const dns::ResolveResult& r);
  // A BYE that cannot go on is answered here, statelessly (§16.11 allows a final response).
  void answer_unroutable(sofia::Message msg, const dns::ResolveResult& r);

  Deps deps_;
  StatelessBranch branches_;
  std::uint64_t next_key_ = 1;
  std::uint64_t refused_ = 0;  // requests dropped because kMaxPending were waiting
  std::map<std::uint64_t, Pending> pending_;
};

}  // namespace p2psip::sip
