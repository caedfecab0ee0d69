#include "gateway/runtime/peer_process.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/overlay_runtime.h"
#include "gateway/version.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"

namespace p2psip::runtime {

int run_peer(const config::OverlayConfig& config) {
  auto log = make_logger("peer", config.log_level);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "config error: data_dir: cannot create '%s': %s\n",
                 config.data_dir.c_str(), ec.message().c_str());
    return kExitConfigError;
  }
  auto plan = prepare_overlay(config, *log);
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.error().message.c_str());
    return plan.error().exit_code;
  }
  log->info("p2psip {} peer starting: overlay '{}', data dir '{}'", P2PSIP_VERSION,
            config.overlay, config.data_dir);
  metrics::Metrics metrics(P2PSIP_VERSION);
  metrics::HealthState health;
  health.sip_required = false;
  metrics::StatusBoard status;
  auto http = metrics::HttpServer::start(config.metrics_listen.host, config.metrics_listen.port,
                                         metrics, health, status);
  if (!http) {
    log->error("{}", http.error());
    return kExitRuntimeError;
  }
  SofiaLibrary sofia;
  auto loop = EventLoop::create();
  if (!loop) {
    log->error("event loop: {}", loop.error());
    return kExitRuntimeError;
  }
  auto started = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  std::string base = std::string("\"version\":\"") + P2PSIP_VERSION + "\",\"role\":\"peer\"" +
                     ",\"overlay\":\"" + config.overlay + "\",\"started_at\":" +
                     std::to_string(started);
  auto overlay = OverlayRuntime::start((*loop)->uv(), std::move(*plan), metrics.overlay, health,
                                       status, base);
  if (!overlay) {
    log->error("{}", overlay.error().message);
    return overlay.error().exit_code;
  }
  log->info("metrics on http://{}/metrics (/health, /status)", config.metrics_listen.to_string());
  (*loop)->on_stop_signal([&](int sig) {
    log->info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  (*loop)->run();
  leave_overlay(**loop, **overlay, Millis{3000});
  overlay->reset();
  loop->reset();
  http->reset();
  log->info("stopped cleanly");
  return kExitOk;
}

}  // namespace p2psip::runtime
