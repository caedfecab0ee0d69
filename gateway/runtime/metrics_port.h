#pragma once
// The metrics port of a process (GET /metrics, /health, /status) with what it serves: one
// start-up for `p2psip gateway` and `p2psip peer`.

#include <memory>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "gateway/config/host_port.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"

namespace p2psip::runtime {

struct MetricsPort {
  metrics::Metrics metrics;
  metrics::HealthState health;
  metrics::StatusBoard status;
  std::unique_ptr<metrics::HttpServer> http;
  // The process's own /status members: "version", "role", "overlay", `extra` (members with a
  // trailing comma, or ""), "started_at". Published at once; the overlay appends its own.
  std::string base_status;

  // Binds `listen`; the error is one line (port in use...). `sip_required`: /health needs the
  // SIP side up (false for `p2psip peer`).
  static Expected<std::unique_ptr<MetricsPort>, std::string> start(const config::HostPort& listen,
                                                                   std::string_view role,
                                                                   const std::string& overlay,
                                                                   const std::string& extra,
                                                                   bool sip_required);
  MetricsPort();
};

}  // namespace p2psip::runtime
