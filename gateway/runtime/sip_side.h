#pragma once
// The gateway's SIP side, built in one piece: the RFC 3263 resolver for the DNS fallback, the
// overload gate with its probes (UDP backlog, loop lag, pending lookups), the proxy's overlay
// lookup and the plain phones' keeper, and the SIP agent. The overlay node is attached once
// it runs (attach) and detached before it goes.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "dns/resolver.h"
#include "gateway/config/advertise.h"
#include "gateway/config/gateway_config.h"
#include "gateway/registrar/phone_registry.h"
#include "gateway/runtime/dns_metrics_observer.h"
#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/gateway_registrations.h"
#include "gateway/runtime/heap_trim.h"
#include "gateway/runtime/loop_inbox.h"
#include "gateway/runtime/loop_lag.h"
#include "gateway/runtime/overlay_bridge.h"
#include "gateway/runtime/udp_backlog.h"
#include "gateway/runtime/usage_lookup.h"
#include "gateway/sip/overload_gate.h"
#include "gateway/sip/sip_agent.h"
#include "gateway/runtime/metrics_port.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

// What the SIP side is built from, checked before anything starts.
struct SipPlan {
  std::unique_ptr<registrar::PhoneRegistry> phones;  // null without a phones_file
  std::optional<sip::SipTlsOptions> tls;
  std::vector<config::InterfaceAddress> interfaces;
  config::HostPort advertise;      // the address others use for the SIP side
  std::string advertise_warning;   // empty: none
};
Expected<SipPlan, StartError> plan_sip(const config::GatewayConfig& config);

// The static table from the config, one AoR per key (several entries with the same AoR fork
// to all their contacts).
router::StaticTable static_table(const config::GatewayConfig& config);

class SipSide {
 public:
  // Null (the reason logged) when the resolver or the agent cannot start. `worker`: 0 for
  // the main thread's SIP side; k > 0 for a SIP worker's (sip_workers.h), which leaves the
  // process-wide parts (health, heap trimming, the loop-lag gauge) to worker 0.
  static std::unique_ptr<SipSide> start(const config::GatewayConfig& config, SipPlan plan,
                                        EventLoop& loop, const Clock& clock, MetricsPort& port,
                                        const std::string& node_id, spdlog::logger& log,
                                        unsigned worker = 0);
  ~SipSide();
  SipSide(const SipSide&) = delete;
  SipSide& operator=(const SipSide&) = delete;

  // Lookups, phones and trusted senders go to `node` from now on (nullptr: no more).
  void attach(overlay::Node* node, metrics::OverlayMetrics* timing);
  // A SIP worker's: lookups and trusted senders through `bridge`, answers to `inbox` (this
  // side's loop); nullptr: no more.
  void attach(OverlayBridge* bridge, std::shared_ptr<LoopInbox> inbox,
              metrics::OverlayMetrics* timing);
  // Reload (reload.h): the phones' front-end (null without a phones_file at start) and the
  // static registrations' routing table with its gauge.
  sip::PhoneFrontEnd* phones();
  void replace_static(const config::GatewayConfig& config);
  // SIP TLS renewal (gateway/sip/tls_reload.h): the running files (null: no TLS) and the new
  // certificate for new TLS connections (true: it differs from the one served).
  const sip::TlsFiles* tls_files() const { return agent_ ? agent_->tls_files() : nullptr; }
  Expected<bool, std::string> replace_tls(const sip::TlsCredentials& creds) {
    return agent_->replace_tls(creds);
  }
  // Reload: the cached overlay lookups go (the static registrations this gateway stores may
  // have changed).
  void forget_lookups();
  // A phone's certificate was renewed: its binding is stored again with it (phone_renewal.h).
  void phone_renewed(const std::string& aor);
  // SIGTERM: /health reports the SIP side down while the process shuts down.
  void stopping();
  // SIP transactions and calls in flight (drain.h).
  std::size_t in_flight() const;
  // SIP messages received so far (heap_trim.h's measure of quiet).
  std::uint64_t messages_received() const { return agent_ ? agent_->messages_received() : 0; }

  // Worker 0's: the SIP workers beyond it (sip_workers.h) follow its reloads, and its heap
  // trimmer waits for their quiet too.
  struct Followers {
    std::function<void(const config::GatewayConfig&)> replace_static;
    std::function<void()> forget_lookups;
    std::function<std::uint64_t()> messages_received;
  };
  void set_followers(Followers f) { followers_ = std::move(f); }

 private:
  SipSide(const config::GatewayConfig& config, MetricsPort& port, const std::string& node_id,
          const Clock& clock, spdlog::logger& log);
  // The lookups' duration into `timing` (p2psip_overlay_lookup_duration_seconds).
  static std::function<void(double)> lookup_timing(metrics::OverlayMetrics* timing);


  MetricsPort& port_;
  DnsMetricsObserver dns_observer_;
  std::unique_ptr<dns::Resolver> resolver_;
  UsageLookup lookup_;
  UdpBacklog backlog_;
  std::unique_ptr<LoopLagProbe> lag_;
  std::unique_ptr<HeapTrimmer> heap_trim_;  // the heap nta freed back to the system (heap_trim.h)
  std::unique_ptr<sip::OverloadGate> overload_;
  PhoneOverlayKeeper phone_keeper_;
  // The overlay as attached: joined, and linked to a sender (overlay peers are trusted).
  std::function<bool()> overlay_joined_;
  std::function<bool(std::string_view)> overlay_linked_;
  std::unique_ptr<sip::SipAgent> agent_;  // it uses everything above
  Followers followers_;
  // While attached: stores the phones registered before the node joined, once it has.
  std::unique_ptr<uv::Timer> pending_phones_;
};

}  // namespace p2psip::runtime
