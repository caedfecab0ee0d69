#include "gateway/runtime/peer_process.h"

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "gateway/runtime/allocator.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/certificate_renewal.h"
#include "gateway/runtime/node_certificate.h"
#include "gateway/runtime/drain.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/metrics_port.h"
#include "gateway/runtime/overlay_credentials.h"
#include "gateway/runtime/overlay_metrics.h"
#include "gateway/runtime/reload.h"
#include "gateway/runtime/uv_loop.h"
#include "gateway/version.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

Expected<PeerRegistration, std::string> parse_peer_registration(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) return unexpected("'" + text + "' is not AOR=CONTACT");
  PeerRegistration r{text.substr(0, eq), text.substr(eq + 1)};
  auto aor = overlay::normalize_aor(r.aor);
  if (!aor) return unexpected("'" + r.aor + "': " + aor.error());
  r.aor = *aor;
  if (r.contact != "route" && r.contact.rfind("sip:", 0) != 0 && r.contact.rfind("sips:", 0) != 0) {
    return unexpected("contact '" + r.contact + "' is neither a sip:/sips: URI nor 'route'");
  }
  return r;
}

namespace {

int config_error(const std::string& line) {
  std::fprintf(stderr, "config error: %s\n", line.c_str());
  return kExitConfigError;
}

// Each AoR must be the certificate's user (USER-NODE-MATCH: the overlay would refuse it).
std::optional<std::string> check_registrations(const std::vector<PeerRegistration>& regs,
                                               const std::string& user) {
  for (const PeerRegistration& r : regs) {
    if (r.aor != user) {
      return "register: AoR '" + r.aor + "' is not the certificate's user '" + user +
             "' (USER-NODE-MATCH: the overlay would refuse it)";
    }
  }
  return std::nullopt;
}

// Hands the registrations to the node, which keeps them alive (contact "route": a route to
// this node's own Node-ID).
Expected<void, std::string> keep_registrations(overlay::Node& node,
                                              const std::vector<PeerRegistration>& regs,
                                              std::uint32_t lifetime_s) {
  for (const PeerRegistration& r : regs) {
    auto value = r.contact == "route" ? overlay::Contact::route_to_registrant()
                                      : overlay::Contact::make_uri(r.contact);
    if (!node.keep(r.aor, value, lifetime_s, node.registrant())) {
      return unexpected("register: '" + r.aor + "' cannot be registered");
    }
  }
  return {};
}

}  // namespace

// A plain libuv loop (no Sofia: a peer speaks no SIP), the node on it, the metrics port.
int run_peer(const config::OverlayConfig& config, const std::vector<PeerRegistration>& registrations,
             std::uint32_t lifetime_s) {
  auto log = make_logger("peer", config.log_level);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return config_error("data_dir: cannot create '" + config.data_dir + "': " + ec.message());
  auto plan = prepare_overlay(config, *log);
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.error().message.c_str());
    return plan.error().exit_code;
  }
  auto loop = UvLoop::create();
  if (!loop) {
    log->error("event loop: {}", loop.error());
    return kExitRuntimeError;
  }
  SystemClock clock;
  auto node = create_overlay_node((*loop)->uv(), *plan, clock);
  if (!node) {
    std::fprintf(stderr, "%s\n", node.error().message.c_str());
    return node.error().exit_code;
  }
  if (auto bad = check_registrations(registrations, (*node)->user())) return config_error(*bad);
  start_background_purging();
  log->info("p2psip {} peer starting: overlay '{}', data dir '{}', heap allocator {}",
            P2PSIP_VERSION, config.overlay, config.data_dir, allocator_name());
  auto port = MetricsPort::start(config.metrics_listen, "peer", config.overlay, "", false);
  if (!port) {
    log->error("{}", port.error());
    return kExitRuntimeError;
  }
  if (auto started = start_overlay_node(**node, *plan); !started) {
    log->error("{}", started.error().message);
    return started.error().exit_code;
  }
  auto publisher = std::make_unique<OverlayPublisher>(
      (*loop)->uv(), **node, (*port)->metrics.overlay, (*port)->health, (*port)->status,
      (*port)->base_status);
  auto node_cert = std::make_unique<NodeCertificate>(**node, plan->node.credentials,
                                                     (*port)->metrics.overlay, log);
  auto renewal = renew_while_running((*loop)->uv(), config,
                                     [&node_cert] { node_cert->swap_if_changed("renewal"); });
  if (auto kept = keep_registrations(**node, registrations, lifetime_s); !kept) {
    return config_error(kept.error());
  }
  if (!registrations.empty()) {
    log->info("keeping {} registration(s) for {} alive (lifetime {} s)", registrations.size(),
              (*node)->user(), lifetime_s);
  }
  log->info("metrics on http://{}/metrics (/health, /status)", config.metrics_listen.to_string());
  publish_certificate_expiry(plan->node.credentials.cert, (*port)->metrics.overlay);
  auto beat = std::make_unique<LoopBeat>((*loop)->uv(), (*port)->health);  // /livez
  (*loop)->on_stop_signal([&](int sig) {
    (*port)->health.draining = true;  // leaving: /readyz answers 503
    log->info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  // SIGHUP must not end a peer; it swaps in changed certificate files (node_certificate.h),
  // everything else is read at start only.
  auto hangup = std::make_unique<HangupSignal>((*loop)->uv(), [&log, &node_cert, &port] {
    auto swap = node_cert->swap_if_changed("SIGHUP");
    if (swap != NodeCertificate::Swap::kUnchanged) {
      (*port)->metrics.gateway.config_reload(swap == NodeCertificate::Swap::kSwapped);
    }
    log->info("SIGHUP: {}; a peer reads the rest of its configuration at start only",
              swap == NodeCertificate::Swap::kUnchanged ? "certificate files unchanged"
              : swap == NodeCertificate::Swap::kSwapped ? "certificate swapped"
                                                         : "new certificate refused");
  });
  (*loop)->run();
  hangup.reset();
  leave_overlay(**loop, **node, *publisher, Millis{3000});
  publisher.reset();
  renewal.reset();
  node_cert.reset();
  beat.reset();
  node->reset();
  loop->reset();
  port->reset();
  log->info("stopped cleanly");
  return kExitOk;
}

}  // namespace p2psip::runtime
