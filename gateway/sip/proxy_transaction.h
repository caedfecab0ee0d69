#pragma once
// One proxied request (RFC 3261 §16) on nta: the server transaction it arrived in and its
// branches, each a destination (contact, Request-URI or route-set hop) with the RFC 3263
// targets it resolved to. The decisions (which branch starts, failover, what goes upstream,
// CANCEL) are ForkCore's (fork_core.h); this adapter resolves, builds and sends the requests,
// relays responses and feeds the outcomes back. Owned by Proxy, which destroys it (from its
// reaper, never inside an nta callback) once finished().

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "dns/resolver.h"
#include "gateway/router/router.h"
#include "gateway/sip/fork_core.h"
#include "gateway/sip/sofia_handles.h"

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

class InviteClients;

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
  // Told the change in calls through the gateway a final response makes (dialog_count.h).
  std::function<void(std::string_view call_id, int delta)> dialogs_changed;
  // A 2xx to INVITE relayed: its client branch enters RFC 6026's Accepted state, where 2xx
  // retransmissions go on to `upstream_via` (stray_response.h).
  std::function<void(const std::string& branch, const std::string& upstream_via)> accepted;
  // INVITEs to a UDP next hop go through these instead of nta (invite_client.h); null: nta.
  InviteClients* invite_clients = nullptr;
};

class ProxyTransaction {
 public:
  // `irq` is owned from here on; `request` is its message (a reference is added). `rr_params`
  // go into our Record-Route URIs (";rrtok=..." of route_token.h).
  ProxyTransaction(ProxyEnv& env, std::uint64_t id, sofia::ServerTransaction irq, msg_s* request,
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

  bool finished() const { return core_.finished(); }
  bool answered() const { return core_.answered(); }
  std::uint64_t id() const { return id_; }

 private:
  struct Branch;
  // Performs the core's actions; `responding`: the branch whose response they answer (relay).
  void run(const ForkActions& actions, Branch* responding = nullptr);
  void perform(const ForkAction& a, Branch* responding);
  void start_resolving(Branch& b);
  void on_resolved(Branch& b, const dns::ResolveResult& result);
  bool send(Branch& b, std::size_t target);
  // Each returns the new client transaction's branch, "" when it could not be sent.
  std::string start_nta(Branch& b, const std::string& url, sofia::Message msg);
  std::string start_own_invite(Branch& b, const dns::Target& t, const std::string& url,
                               sofia::Message msg);  // invite_client.h
  sofia::Message build_request(const Branch& b, std::size_t target) const;
  void on_response(Branch& b, nta_outgoing_s* orq, const sip_s* sip);
  void on_own_response(Branch& b, int status, bool internal, msg_s* response);
  // Relays the branch's last response upstream; challenges: other branches' 401/407 whose
  // WWW-/Proxy-Authenticate headers are added to it (RFC 3261 §16.7 step 7).
  void relay(Branch& b, int status, const std::vector<Branch*>& challenges = {});
  void send_reply(const ForkAction& a);
  void count_dialog(int status);
  void accepted(const Branch& b);  // a 2xx to INVITE from `b` was relayed
  void retire(Branch& b);
  static int response_trampoline(void* magic, nta_outgoing_s* orq, const sip_s* sip);
  static int cancel_trampoline(void* magic, nta_incoming_s* irq, const sip_s* sip);

  ProxyEnv& env_;
  std::uint64_t id_;
  sofia::ServerTransaction irq_;
  sofia::Message request_;
  std::string method_;
  bool invite_;
  bool initial_;  // no To-tag: not inside a dialog yet
  bool pop_own_route_;
  unsigned max_forwards_;
  std::string rr_params_;
  router::Route route_ = router::Route::dns;
  ForkCore core_;
  std::vector<std::unique_ptr<Branch>> branches_;  // the core's branches, by index
  std::vector<sofia::ClientTransaction> retired_;  // kept until the end (see sofia_handles.h)
};

}  // namespace p2psip::sip
