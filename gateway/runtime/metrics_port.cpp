#include "gateway/runtime/metrics_port.h"

#include <chrono>

#include "gateway/version.h"

namespace p2psip::runtime {

MetricsPort::MetricsPort() : metrics(P2PSIP_VERSION) {}

Expected<std::unique_ptr<MetricsPort>, std::string> MetricsPort::start(
    const config::HostPort& listen, std::string_view role, const std::string& overlay,
    const std::string& extra, bool sip_required) {
  auto port = std::make_unique<MetricsPort>();
  port->health.sip_required = sip_required;
  port->health.overlay_required = true;  // both processes are overlay nodes: not ready unjoined
  auto http = metrics::HttpServer::start(listen.host, listen.port, port->metrics, port->health,
                                         port->status);
  if (!http) return unexpected(http.error());
  port->http = std::move(*http);
  auto started = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  port->base_status = std::string("\"version\":\"") + P2PSIP_VERSION + "\",\"role\":\"" +
                      std::string(role) + "\",\"overlay\":\"" + overlay + "\"," + extra +
                      "\"started_at\":" + std::to_string(started);
  port->status.publish("{" + port->base_status + "}");
  return port;
}

}  // namespace p2psip::runtime
