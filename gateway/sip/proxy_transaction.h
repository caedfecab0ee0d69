#pragma once
// One proxied request (RFC 3261 §16): the server transaction it arrived in and its branches,
// each a destination (contact, Request-URI or route-set hop) with the RFC 3263 targets it
// resolved to. Branches go out in parallel or one after another; a branch fails over to its
// next target on 503/408/transport errors; provisional and 2xx responses are relayed at once;
// when every branch is final the best final response goes upstream; a CANCEL cancels every
// pending branch. Owned by Proxy, which destroys it (from its reaper) once finished().

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dns/resolver.h"
#include "gateway/router/router.h"

struct nta_agent_s;
struct nta_incoming_s;
struct nta_outgoing_s;
struct msg_s;
struct sip_s;

namespace p2psip::metrics {
class SipMetrics;
class GatewayMetrics;
}  // namespace p2psip::metrics

namespace p2psip::sip {

// What every transaction shares, owned by Proxy.
struct ProxyEnv {
  nta_agent_s* agent = nullptr;
  dns::Resolver* resolver = nullptr;
  metrics::SipMetrics* sip_metrics = nullptr;
  metrics::GatewayMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  std::shared_ptr<spdlog::logger> log;
  std::string record_route;  // "<sip:host:port;lr>", empty: do not record-route
  bool parallel = true;
  bool tls = false;  // SIP over TLS configured: TLS targets are usable
  std::string record_route_tls;  // "<sip:host:tlsport;transport=tls;lr>" for TLS legs
  // Client transactions in flight, for loop detection: branch -> Request-URI.
  std::function<void(const std::string& branch, const std::string& ruri)> branch_started;
  std::function<void(const std::string& branch)> branch_ended;
  std::function<void(std::uint64_t id)> finished;  // schedule destruction
};

class ProxyTransaction {
 public:
  // Takes a reference to the request; `irq` is owned from here on. `rr_params` go into our
  // Record-Route URIs (";rrtok=..." of route_token.h).
  ProxyTransaction(ProxyEnv& env, std::uint64_t id, nta_incoming_s* irq, msg_s* request,
                   bool pop_own_route, unsigned max_forwards, std::string rr_params = {});
  ~ProxyTransaction();
  ProxyTransaction(const ProxyTransaction&) = delete;
  ProxyTransaction& operator=(const ProxyTransaction&) = delete;

  // Forward to these contacts: each becomes the Request-URI of its branch.
  void forward_to_contacts(const std::vector<std::string>& contacts, router::Route route);
  // Keep the Request-URI; resolve `next_hop` (the R-URI, or the top Route after ours).
  void forward_to_next_hop(const std::string& next_hop, router::Route route);
  // Answer without forwarding.
  void reply(int status, const char* phrase, std::uint32_t retry_after = 0);

  bool finished() const { return finished_; }
  bool answered() const { return answered_; }
  std::uint64_t id() const { return id_; }

 private:
  struct Branch;
  void start_branch(Branch& b);
  void on_resolved(Branch& b, const dns::ResolveResult& result);
  void send_next(Branch& b);
  msg_s* build_request(const Branch& b);
  int on_response(Branch& b, nta_outgoing_s* orq, const sip_s* sip);
  void on_final(Branch& b, int status, nta_outgoing_s* orq, bool internal);
  void branch_done();
  // Relays orq's response upstream; challenges: other branches' 401/407 whose
  // WWW-/Proxy-Authenticate headers are added to it (RFC 3261 §16.7 step 7).
  void relay(nta_outgoing_s* orq, int status, const std::vector<nta_outgoing_s*>& challenges = {});
  void send_best();
  void cancel_pending();
  void retire(Branch& b);
  void check_finished();
  static int response_trampoline(void* magic, nta_outgoing_s* orq, const sip_s* sip);
  static int cancel_trampoline(void* magic, nta_incoming_s* irq, const sip_s* sip);

  ProxyEnv& env_;
  std::uint64_t id_;
  nta_incoming_s* irq_;
  msg_s* request_;
  std::string method_;
  bool invite_;
  bool pop_own_route_;
  unsigned max_forwards_;
  std::string rr_params_;
  Millis started_at_;
  router::Route route_ = router::Route::dns;
  std::vector<std::unique_ptr<Branch>> branches_;
  std::vector<nta_outgoing_s*> retired_;
  bool answered_ = false;   // a final response went upstream
  bool cancelled_ = false;
  bool finished_ = false;
  bool got_2xx_ = false;
};

}  // namespace p2psip::sip
