// `p2psip gateway`, the composition root: checks, then the loop, the overlay node (created,
// not yet listening), the metrics port, the SIP side, the overlay started, run, shutdown in
// reverse order. Each part is built by a helper of its own (sip_side.h, overlay_credentials.h,
// gateway_registrations.h, metrics_port.h, overlay_metrics.h).
#include "gateway/runtime/gateway_process.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/clock.h"
#include "gateway/runtime/allocator.h"
#include "gateway/runtime/enroll_service.h"
#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/gateway_registrations.h"
#include "gateway/runtime/certificate_renewal.h"
#include "gateway/runtime/phone_renewal.h"
#include "gateway/runtime/node_certificate.h"
#include "gateway/runtime/drain.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/metrics_port.h"
#include "gateway/runtime/overlay_credentials.h"
#include "gateway/runtime/overlay_metrics.h"
#include "gateway/runtime/phone_refusals.h"
#include "gateway/runtime/reload.h"
#include "gateway/runtime/sip_side.h"
#include "gateway/runtime/sip_workers.h"
#include "gateway/runtime/sofia_log.h"
#include "gateway/version.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

namespace {

int report(const StartError& e) {
  std::fprintf(stderr, "%s\n", e.message.c_str());
  return e.exit_code;
}

Expected<void, StartError> ensure_data_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return unexpected(StartError{kExitConfigError, "config error: data_dir: cannot create '" +
                                                       dir + "': " + ec.message()});
  }
  return {};
}

// The gateway's own /status members between "overlay" and "started_at".
std::string sip_status_members(const config::GatewayConfig& c, const config::HostPort& advertise) {
  return "\"sip_listen\":\"" + c.sip_listen.to_string() + "\",\"sip_advertise\":\"" +
         advertise.to_string() + "\",";
}

// The registrations the gateway keeps in the overlay: the static ones, then the service AoR.
struct KeptPlan {
  std::vector<KeptRegistration> registrations;
  std::set<std::string> static_aors;  // for the refresh timestamp (not the service AoR)
};
Expected<KeptPlan, StartError> plan_kept(const config::GatewayConfig& config,
                                         const config::HostPort& advertise,
                                         const overlay::Node& node, spdlog::logger& log) {
  GatewayIdentity me{node.node_id(), node.user(), node.registrant()};
  auto kept = plan_static_registrations(config, advertise, me, log);
  if (!kept) return unexpected(kept.error());
  KeptPlan plan{std::move(*kept), {}};
  for (const auto& k : plan.registrations) plan.static_aors.insert(k.aor);
  for (auto& service : plan_service_registration(config, advertise, me, log)) {
    plan.registrations.push_back(std::move(service));
  }
  return plan;
}

// Stored once joined, refreshed, re-stored on ring changes, removed before the Leave.
void keep_registrations(overlay::Node& node, KeptPlan& plan, const config::GatewayConfig& config,
                        metrics::GatewayMetrics& metrics, const Clock& clock, spdlog::logger& log) {
  count_static_refreshes(node, plan.static_aors, metrics, clock);
  for (auto& k : plan.registrations) {
    if (!node.keep(k.aor, k.value, config.registration_lifetime, std::move(k.who))) {
      log.warn("cannot keep {} registered in the overlay", k.aor);
    } else {
      log.info("keeping {} registered in the overlay", k.aor);
    }
  }
}

}  // namespace

int run_gateway(const config::GatewayConfig& config, ReloadSource reload) {
  auto log = make_logger("gateway", config.log_level);
  if (auto dir = ensure_data_dir(config.data_dir); !dir) return report(dir.error());
  if (config.sip_workers > 1) {  // the last worker's ports fit
    if (auto last = worker_config(config, config.sip_workers - 1); !last) {
      return report(StartError{kExitConfigError, "config error: " + last.error()});
    }
  }
  auto sip_plan = plan_sip(config);
  if (!sip_plan) return report(sip_plan.error());
  auto overlay_plan = prepare_overlay(config, *log);
  if (!overlay_plan) return report(overlay_plan.error());

  SofiaLibrary sofia;
  SofiaLogRedirect sofia_log(make_logger("sofia", config.log_level));  // in log_format too
  auto loop = EventLoop::create();
  if (!loop) {
    log->error("event loop: {}", loop.error());
    return kExitRuntimeError;
  }
  SystemClock clock;
  auto node = create_overlay_node((*loop)->uv(), *overlay_plan, clock);
  if (!node) return report(node.error());
  config::HostPort advertise = sip_plan->advertise;
  auto kept = plan_kept(config, advertise, **node, *log);
  if (!kept) return report(kept.error());
  if (!sip_plan->advertise_warning.empty()) log->warn("SIP: {}", sip_plan->advertise_warning);
  start_background_purging();
  log->info("p2psip {} starting: overlay '{}', data dir '{}', heap allocator {}", P2PSIP_VERSION,
            config.overlay, config.data_dir, allocator_name());

  auto port = MetricsPort::start(config.metrics_listen, "gateway", config.overlay,
                                 sip_status_members(config, sip_plan->advertise), true);
  if (!port) {
    log->error("{}", port.error());
    return kExitRuntimeError;
  }
  log->info("metrics on http://{}/metrics (/health, /status)", config.metrics_listen.to_string());
  publish_certificate_expiry(overlay_plan->node.credentials.cert, (*port)->metrics.overlay);
  publish_phone_enrollments((*port)->metrics.enroll);
  // enroll_listen: the enrollment server on its own thread, its counters on this metrics port.
  auto enroll = start_gateway_enroll(
      config, AnnouncedHosts{advertise.host, overlay_plan->node.advertise_ip},
      (*port)->metrics.enroll, *log);
  if (!enroll) return report(enroll.error());

  auto sip = SipSide::start(config, std::move(*sip_plan), **loop, clock, **port,
                            (*node)->node_id(), *log);
  if (!sip) return kExitRuntimeError;
  // sip_workers > 1: the other SIP loops, each on a thread, reaching the node through `bridge`.
  auto bridge = std::make_unique<OverlayBridge>((*loop)->uv());
  auto workers = SipWorkers::start(config, clock, **port, (*node)->node_id(), *bridge, *log);
  if (!workers) return kExitRuntimeError;
  sip->set_followers({[&workers](const config::GatewayConfig& c) {
                        if (workers) workers->replace_static(c);
                      },
                      [&workers] { if (workers) workers->forget_lookups(); },
                      [&workers] { return workers ? workers->messages_received() : 0; }});
  // The overlay after SIP: the gateway joins (or starts) the overlay once it can serve.
  if (auto started = start_overlay_node(**node, *overlay_plan); !started) {
    log->error("{}", started.error().message);
    return started.error().exit_code;
  }
  auto publisher = std::make_unique<OverlayPublisher>((*loop)->uv(), **node,
                                                      (*port)->metrics.overlay, (*port)->health,
                                                      (*port)->status, (*port)->base_status);
  auto node_cert = std::make_unique<NodeCertificate>(**node, overlay_plan->node.credentials,
                                                     (*port)->metrics.overlay, log);
  auto renewal = renew_while_running((*loop)->uv(), config,
                                     [&node_cert] { node_cert->swap_if_changed("renewal"); });
  auto phone_renewal = renew_phones_while_running((*loop)->uv(), config, (*port)->metrics.enroll,
                                                  [&sip](const std::string& aor) { sip->phone_renewed(aor); });
  sip->attach(node->get(), &(*port)->metrics.overlay);
  bridge->attach(node->get());
  keep_registrations(**node, *kept, config, (*port)->metrics.gateway, clock, *log);
  auto reloader = std::make_unique<ConfigReloader>(  // SIGHUP: reload.h
      (*loop)->uv(), config, std::move(reload),
      ReloadTargets{*sip, **node, (*port)->metrics.gateway, clock, advertise, node_cert.get()}, log);

  auto beat = std::make_unique<LoopBeat>((*loop)->uv(), (*port)->health);  // /livez
  auto drain = std::make_unique<Drain>(
      **loop, (*loop)->uv(), clock, (*port)->health,
      Drain::Plan{Millis{config.drain_grace_s * 1000},
                  [&] { return sip->in_flight() + workers->in_flight(); }},
      *log);
  (*loop)->on_stop_signal([&](int sig) {
    drain->signalled(sig);
    sip->stopping();
  });
  (*loop)->run();
  drain->run();  // SIGTERM: serve what is in flight for up to drain_grace (drain.h)
  sip->set_followers({});
  workers.reset();  // stops and joins the SIP workers; their lookups in flight are dropped
  reloader.reset();
  enroll->reset();  // stops and joins the enrollment server's thread
  leave_overlay(**loop, **node, *publisher, Millis{3000});  // within the 5 s shutdown budget

  sip->attach(nullptr, nullptr);
  bridge->attach(nullptr);
  publisher.reset();
  renewal.reset();
  phone_renewal.reset();
  node_cert.reset();
  drain.reset();
  beat.reset();
  node->reset();
  bridge.reset();
  sip.reset();  // SIP, then DNS (SipSide's own order), then the loop
  loop->reset();
  log->debug("overlay, SIP and event loop stopped; closing the metrics port");
  port->reset();
  log->info("stopped cleanly");
  return kExitOk;
}

}  // namespace p2psip::runtime
