#pragma once
// The transaction-stateful proxy (RFC 3261 §16) on Sofia nta (DESIGN.md §4). For each request
// outside a transaction it extracts the facts, asks the pure router (gateway/router) where it
// goes, and acts: a local answer, a reply (403/404/482/483/503...), an overlay lookup through
// the OverlayLookup seam, RFC 3263 resolution through dns::Resolver, then a ProxyTransaction
// that forwards and relays (an INVITE to a UDP next hop through our own client transaction,
// invite_client.h). ACK for 2xx, and an in-dialog BYE over UDP, are forwarded statelessly along
// the route set (stateless_forward.h). Everything runs on the loop thread.

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "dns/resolver.h"
#include "gateway/config/host_port.h"
#include "gateway/router/overlay_lookup.h"
#include "gateway/registrar/phone_registry.h"
#include "gateway/router/router.h"
#include "gateway/sip/overload_gate.h"
#include "gateway/sip/phone_front_end.h"
#include "gateway/router/decision_log.h"
#include "gateway/sip/dialog_count.h"
#include "gateway/sip/invite_client.h"
#include "gateway/sip/proxy_transaction.h"
#include "gateway/sip/route_token.h"
#include "gateway/sip/sofia_handles.h"
#include "gateway/sip/stateless_forward.h"
#include "gateway/sip/stray_response.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;
struct su_root_s;
struct su_timer_s;

namespace p2psip::metrics {
class SipMetrics;
class GatewayMetrics;
}  // namespace p2psip::metrics

namespace p2psip::sip {

// Everything the proxy needs from the process; all of it outlives the proxy.
struct ProxyDeps {
  router::RouterConfig router;
  router::OverlayLookup* lookup = nullptr;
  dns::Resolver* resolver = nullptr;
  metrics::SipMetrics* sip_metrics = nullptr;
  metrics::GatewayMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  // Addresses a Request-URI may use for the gateway itself (besides nta's own Via host): the
  // listen address, or every local address when listening on any, and the advertised host.
  std::vector<std::string> own_hosts;
  // The address others use for the gateway (sip_advertise, resolved): Record-Route names it
  // and a Request-URI or Route on its port is ours. Empty host: nta's Via host and port.
  config::HostPort advertise;
  // Integrator's hook: is this source address a phone registered here or an overlay peer?
  std::function<bool(std::string_view ip)> known_sender;
  // The plain phones' registrar (null: no phones_file, REGISTER for our domains is not served).
  // Its registered phones are routed like static entries and trusted as senders.
  std::unique_ptr<registrar::PhoneRegistry> phones;
  // Told when a phone's AoR becomes registered or unregistered (to store it in the overlay).
  PhoneFrontEnd::Changed phone_changed;
  // SIP over TLS is configured (the SipAgent sets these): TLS targets are used, not skipped.
  bool tls = false;
  std::uint16_t tls_port = 0;
  // Admission control (overload_gate.h); null: every request is admitted.
  OverloadGate* overload = nullptr;
  // Readiness (OPTIONS to the gateway answers 503 when false) and the SIGTERM drain (new
  // out-of-dialog requests get 503): local_answer.h. Empty: ready, never draining.
  std::function<bool()> ready;
  std::function<bool()> draining;
  // A counted call with no request through us for this long is taken as gone (dialog_count.h).
  Millis call_max_idle = CallAges::kDefaultMaxIdle;
};

class Proxy {
 public:
  Proxy(su_root_s* root, nta_agent_s* agent, ProxyDeps deps, std::shared_ptr<spdlog::logger> log);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // A request from nta's message callback (no transaction matched it); `sip` is msg's.
  void handle_request(sofia::Message msg, sip_s* sip);
  // A response matching no client transaction: a 2xx retransmission, or a response to a
  // request we forwarded statelessly, goes on upstream; anything else is dropped
  // (stray_response.h).
  void handle_stray_response(sofia::Message msg, sip_s* sip);
  std::size_t transactions() const { return transactions_.size(); }
  // Reload (gateway/runtime/reload.h): the plain phones' front-end (null: no phones_file) and
  // the static registrations table, used from the next request on.
  PhoneFrontEnd* phones() { return phones_.get(); }
  void set_static_registrations(router::StaticTable table) {
    deps_.router.static_registrations = std::move(table);
  }
  // Transactions plus the calls through our Record-Route (dialog_count.h): the drain's wait.
  std::size_t in_flight() const { return transactions_.size() + calls_.live(deps_.clock->monotonic()); }

 private:
  struct Own {
    std::string host;
    unsigned port = 5060;
  };
  // The top Route(s) naming us, removed by the caller: `popped`; `verified` only with our
  // Record-Route token for this dialog and a To-tag (route_token.h).
  struct OwnRoute {
    bool popped = false;
    bool verified = false;
  };
  bool is_own(const char* host, const char* port) const;
  OwnRoute own_route(msg_s* msg, sip_s* sip) const;
  router::RequestFacts facts(sip_s* sip, const OwnRoute& own, std::string source) const;
  std::string record_route_params(const sip_s* sip) const;
  // False: refused, and `msg` consumed.
  bool well_formed(sofia::Message& msg, sip_s* sip);
  // False: refused (503, draining) and `msg` consumed.
  bool admitted_while_draining(sofia::Message& msg, sip_s* sip);
  void answer_locally(sofia::Message msg, sip_s* sip);
  bool looping(sip_s* sip) const;
  // §16.3 steps 3-4 for a request about to be forwarded: false when answered 483 or 482 (and
  // `msg` consumed); else `max_forwards` is the value to send on.
  bool passes_hop_checks(sofia::Message& msg, sip_s* sip, const router::DecisionContext& c,
                         unsigned& max_forwards);
  // A final response to a BYE forwarded statelessly went back: the call is over.
  void stateless_response_relayed(const std::string& call_id, const std::string& method,
                                  int status);
  void start_transaction(sofia::Message msg, sip_s* sip, const router::Decision& d, bool popped,
                         const router::DecisionContext& c);
  void act(ProxyTransaction& t, const router::Decision& d, const router::DecisionContext& c);
  // The routing log line (router/decision_log.h).
  void log_route(const router::Decision& d, const router::DecisionContext& c,
                 spdlog::level::level_enum level = spdlog::level::info) const;
  void reap();
  static void reap_timer(void* magic, su_timer_s* timer, void* arg);
  static void sweep_timer(void* magic, su_timer_s* timer, void* arg);

  nta_agent_s* agent_;
  ProxyDeps deps_;
  std::shared_ptr<spdlog::logger> log_;
  Own own_;
  RouteToken route_token_ = RouteToken::random();  // per process: see route_token.h
  ProxyEnv env_;
  std::uint64_t next_id_ = 1;
  mutable CallAges calls_;  // calls through our Record-Route; live() drops the quiet ones
  std::map<std::uint64_t, std::unique_ptr<ProxyTransaction>> transactions_;
  std::map<std::string, std::string> active_branches_;  // Via branch -> Request-URI
  AcceptedBranches accepted_{Millis{32000}};  // TTL: nta's 64*T1, set in the constructor
  std::vector<std::uint64_t> to_reap_;
  sofia::Timer reaper_;
  sofia::Timer sweeper_;  // every second: accepted_.expire()
  std::unique_ptr<PhoneFrontEnd> phones_;
  router::PhoneContacts phone_contacts_;
  std::unique_ptr<StatelessForwarder> stateless_;
  std::unique_ptr<InviteClients> invite_clients_;  // reset in ~Proxy once transactions_ is cleared
};

}  // namespace p2psip::sip
