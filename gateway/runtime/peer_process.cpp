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
#include "overlay/usage/sip_usage.h"

namespace p2psip::runtime {

Expected<PeerRegistration, std::string> parse_peer_registration(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) return unexpected("'" + text + "' is not AOR=CONTACT");
  PeerRegistration r{text.substr(0, eq), text.substr(eq + 1)};
  auto aor = usage::normalize_aor(r.aor);
  if (!aor) return unexpected("'" + r.aor + "': " + aor.error());
  r.aor = *aor;
  if (r.contact != "route" && r.contact.rfind("sip:", 0) != 0 && r.contact.rfind("sips:", 0) != 0) {
    return unexpected("contact '" + r.contact + "' is neither a sip:/sips: URI nor 'route'");
  }
  return r;
}

namespace {

// Checks each AoR against the certificate's user (USER-NODE-MATCH) and hands the
// registrations to the overlay's RegistrationService.
Expected<void, std::string> keep_registrations(OverlayRuntime& overlay,
                                              const std::vector<PeerRegistration>& regs,
                                              std::uint32_t lifetime_s) {
  const usage::Registrant& who = overlay.node_registrant();
  for (const PeerRegistration& r : regs) {
    auto value = r.contact == "route"
                     ? wire::SipRegistration::make_route("", {wire::Destination::node(who.node)})
                     : wire::SipRegistration::make_uri(r.contact);
    if (!overlay.registrations().add(r.aor, value, lifetime_s, who)) {
      return unexpected("register: '" + r.aor + "' cannot be registered");
    }
  }
  return {};
}

}  // namespace

int run_peer(const config::OverlayConfig& config, const std::vector<PeerRegistration>& registrations,
             std::uint32_t lifetime_s) {
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
  std::string user = plan->credentials.cert.user();
  for (const PeerRegistration& r : registrations) {
    if (r.aor != user) {
      std::fprintf(stderr, "config error: register: AoR '%s' is not the certificate's user '%s' "
                   "(USER-NODE-MATCH: the overlay would refuse it)\n", r.aor.c_str(), user.c_str());
      return kExitConfigError;
    }
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
  if (auto kept = keep_registrations(**overlay, registrations, lifetime_s); !kept) {
    std::fprintf(stderr, "config error: %s\n", kept.error().c_str());
    return kExitConfigError;
  }
  if (!registrations.empty()) {
    log->info("keeping {} registration(s) for {} alive (lifetime {} s)", registrations.size(),
              user, lifetime_s);
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
