#pragma once
// The application side of the overlay library: its public Snapshot turned into the overlay
// metrics (once a second and on every change), /health's overlay_joined and the overlay part
// of the /status document. Shared by `p2psip peer` and `p2psip gateway`.

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

class LoopControl;

class OverlayPublisher {
 public:
  // `base_status` is the process's own /status members ("\"role\":\"peer\",..."), to which
  // the overlay members are appended. Everything handed in must outlive the publisher.
  OverlayPublisher(uv_loop_t* loop, overlay::Node& node, metrics::OverlayMetrics& metrics,
                   metrics::HealthState& health, metrics::StatusBoard& status,
                   std::string base_status);
  ~OverlayPublisher();
  OverlayPublisher(const OverlayPublisher&) = delete;
  OverlayPublisher& operator=(const OverlayPublisher&) = delete;

  void publish();  // metrics, health and /status from one snapshot

 private:
  overlay::Node& node_;
  metrics::OverlayMetrics& metrics_;
  metrics::HealthState& health_;
  metrics::StatusBoard& status_;
  std::string base_status_;
  uv::Timer timer_;
};

// After the loop stopped on SIGTERM/SIGINT: runs it again until the node has removed its
// registrations and left the overlay, or `budget` passed (a second signal also ends it).
void leave_overlay(LoopControl& loop, overlay::Node& node, OverlayPublisher& publisher,
                   Millis budget);

// The expiry (notAfter) of the node's certificate file into
// p2psip_certificate_expiry_timestamp_seconds (unreadable: left at 0).
void publish_certificate_expiry(const std::string& cert_path, metrics::OverlayMetrics& metrics);

// The /status members for a node snapshot (without braces), for tests and tools.
std::string overlay_status_members(const overlay::Snapshot& s);
// Kind id -> metrics/status label ("sip_registration" for Kind 1, else the number).
std::string kind_label(std::uint32_t kind);

}  // namespace p2psip::runtime
