#pragma once
// The overlay node of a `p2psip peer` or `p2psip gateway` process, with everything around it
// that both share: credentials (overlay_credentials.h), the Node on the process's libuv loop,
// the overlay metrics (updated once a second from the node's totals), /health's
// overlay_joined and the overlay part of the /status document. It also carries the SIP usage
// on that node: a SipUsageClient (lookups are timed into the lookup histogram) and a
// RegistrationService that keeps registrations alive and removes them before the Leave.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/overlay_credentials.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"
#include "gateway/runtime/overlay_usage.h"
#include "gateway/runtime/registration_service.h"
#include "overlay/peer/node.h"
#include "overlay/usage/sip_usage_client.h"

namespace p2psip::runtime {

class OverlayRuntime {
 public:
  // `plan` from prepare_overlay(). `base_status` is the process's own /status members ("\"role\":\"peer\",..."), to which
  // the overlay members are appended. Everything handed in must outlive the runtime.
  static Expected<std::unique_ptr<OverlayRuntime>, StartError> start(
      uv_loop_t* loop, OverlayPlan plan, metrics::OverlayMetrics& metrics,
      metrics::HealthState& health, metrics::StatusBoard& status, std::string base_status);
  ~OverlayRuntime();
  OverlayRuntime(const OverlayRuntime&) = delete;
  OverlayRuntime& operator=(const OverlayRuntime&) = delete;

  // Removes the kept registrations, then a clean Leave, all within `budget`; `done` runs on
  // the loop when it is over (or at once).
  void leave(Millis budget, std::function<void()> done);
  peer::Node& node() { return *node_; }

  // SIP usage on this node. lookup() also observes p2psip_overlay_lookup_duration_seconds.
  usage::SipUsageClient& usage() { return *usage_; }
  void lookup(std::string_view aor, usage::SipUsageClient::LookupDone done);
  RegistrationService& registrations() { return *registrations_; }
  // The node's own certificate as a registrant (for AoRs of the certificate's user name).
  const usage::Registrant& node_registrant() const { return registrant_; }

 private:
  OverlayRuntime(metrics::OverlayMetrics& metrics, metrics::HealthState& health,
                 metrics::StatusBoard& status, std::string base_status,
                 std::shared_ptr<spdlog::logger> log);
  friend void overlay_runtime_tick(uv_timer_t* timer);
  void publish();  // metrics, health and /status from one snapshot
  void changed();  // the node's state or neighbours changed

  metrics::OverlayMetrics& metrics_;
  metrics::HealthState& health_;
  metrics::StatusBoard& status_;
  std::string base_status_;
  std::shared_ptr<spdlog::logger> log_;
  SystemClock clock_;
  std::unique_ptr<peer::Node> node_;
  std::unique_ptr<NodeRequestSender> sender_;
  std::unique_ptr<usage::SipUsageClient> usage_;
  std::unique_ptr<RegistrationService> registrations_;
  usage::Registrant registrant_;
  std::vector<wire::NodeId> last_neighbors_;
  uv_timer_t* timer_ = nullptr;  // freed in its close callback
};

class EventLoop;
// After the loop stopped on SIGTERM/SIGINT: runs it again until the node has left the overlay
// or `budget` passed (a second signal also ends it).
void leave_overlay(EventLoop& loop, OverlayRuntime& overlay, Millis budget);

// The /status members for a node snapshot (without braces), for tests and tools.
std::string overlay_status_members(const peer::NodeSnapshot& s);
// Kind id -> metrics/status label ("sip_registration" for Kind 1, else the number).
std::string kind_label(std::uint32_t kind);

}  // namespace p2psip::runtime
