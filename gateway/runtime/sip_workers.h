#pragma once
// SIP workers beyond the first (`sip_workers` > 1; the design: doc/sip-workers.md). Worker k
// runs on a thread of its own: its own event loop, nta agent, proxy, RFC 3263 resolver,
// lookup cache and overload gate, listening on sip_listen's host at port + k (UDP and TCP; its
// Record-Route names sip_advertise's port + k). TLS and the plain phones stay with worker 0,
// the main thread's SipSide. Each worker writes its own port into Via and Record-Route, so
// its transactions' responses (RFC 3261 §18.2.2), its dialogs' later requests (§16.6 step 4,
// §16.12) and a CANCEL (§9.1: sent where its INVITE went) come back to it without any
// dispatch of ours. The overlay node stays on the main thread: lookups cross through
// overlay_bridge.h. Nothing of SIP is shared between the threads but the metrics (thread-safe)
// and the health flags (atomics).

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/metrics_port.h"
#include "gateway/runtime/overlay_bridge.h"

namespace p2psip::runtime {

// Pure: the config worker k runs with: listen and advertised ports + k, no TLS listener, no
// plain phones. An error when a port would pass 65535 or sip_listen's port is 0.
Expected<config::GatewayConfig, std::string> worker_config(const config::GatewayConfig& config,
                                                           unsigned worker);

class SipWorkers {
 public:
  // Starts workers 1 .. config.sip_workers - 1 and waits until each listens (null when one
  // cannot start: the reason logged, the others stopped).
  static std::unique_ptr<SipWorkers> start(const config::GatewayConfig& config,
                                           const Clock& clock, MetricsPort& port,
                                           const std::string& node_id, OverlayBridge& bridge,
                                           spdlog::logger& log);
  ~SipWorkers();  // stops every worker (what it holds is dropped) and joins its thread
  SipWorkers(const SipWorkers&) = delete;
  SipWorkers& operator=(const SipWorkers&) = delete;

  // Posted to every worker (the main thread's reload, reload.h).
  void replace_static(const config::GatewayConfig& config);
  void forget_lookups();
  // Sums of what the workers published last (every kPublish).
  std::size_t in_flight() const;
  std::uint64_t messages_received() const;
  static constexpr Millis kPublish{100};

 private:
  struct Worker;
  SipWorkers() = default;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace p2psip::runtime
