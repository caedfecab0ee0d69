#include "gateway/runtime/gateway_process.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/clock.h"
#include "dns/resolver.h"
#include "gateway/config/phones.h"
#include "gateway/registrar/phone_registry.h"
#include "gateway/runtime/dns_metrics_observer.h"
#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/loop_lag.h"
#include "gateway/router/overlay_lookup.h"
#include "gateway/runtime/gateway_registrations.h"
#include "gateway/runtime/interface_addresses.h"
#include "gateway/runtime/overlay_runtime.h"
#include "gateway/runtime/udp_backlog.h"
#include "gateway/runtime/usage_lookup.h"
#include "gateway/sip/overload_gate.h"
#include "gateway/sip/sip_agent.h"
#include "gateway/version.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"

namespace p2psip::runtime {

namespace {

// The gateway's own /status members; the overlay runtime appends the node's.
std::string status_members(const config::GatewayConfig& c, const config::HostPort& advertise,
                           long long started_at) {
  return std::string("\"version\":\"") + P2PSIP_VERSION + "\",\"role\":\"gateway\"" +
         ",\"overlay\":\"" + c.overlay + "\",\"sip_listen\":\"" + c.sip_listen.to_string() +
         "\",\"sip_advertise\":\"" + advertise.to_string() +
         "\",\"started_at\":" + std::to_string(started_at);
}

// The hosts a Request-URI may name the gateway by: the listen address (every interface address
// when it is the any-address) and the advertised host.
std::vector<std::string> own_hosts(const config::HostPort& listen, const config::HostPort& advertise,
                                   const std::vector<config::InterfaceAddress>& interfaces) {
  std::vector<std::string> out{advertise.host};
  if (!config::is_any_address(listen.host)) out.push_back(listen.host);
  else for (const auto& a : interfaces) out.push_back(a.ip);
  return out;
}

bool ensure_data_dir(const std::string& dir, std::string& problem) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    problem = "cannot create '" + dir + "': " + ec.message();
    return false;
  }
  return true;
}

// The RFC 3263 resolver for the DNS fallback, its metrics bound.
std::unique_ptr<dns::Resolver> make_resolver(const config::GatewayConfig& config, uv_loop_t* loop,
                                             const Clock& clock, dns::ResolverObserver& observer,
                                             spdlog::logger& log) {
  dns::ResolverConfig rc;
  for (const auto& s : config.dns_servers) rc.servers.push_back(s.to_string());
  auto resolver = dns::Resolver::create(loop, rc, clock, &observer);
  if (!resolver) {
    log.error("DNS resolver: {}", resolver.error());
    return nullptr;
  }
  log.info("DNS resolver ready ({})",
           rc.servers.empty() ? std::string("servers from /etc/resolv.conf")
                              : "servers " + fmt::format("{}", fmt::join(rc.servers, ", ")));
  return std::move(resolver).value();
}

// The router's view of the config: the domain first, then the aliases; the static table with
// one AoR per key (several entries with the same AoR fork to all their contacts).
router::RouterConfig router_config(const config::GatewayConfig& config) {
  router::RouterConfig rc;
  rc.domains.push_back(config.domain);
  rc.domains.insert(rc.domains.end(), config.aliases.begin(), config.aliases.end());
  rc.trusted_networks = config.trusted_networks;
  for (const auto& entry : config.static_registrations) {
    auto at = entry.aor.find('@');
    std::string aor = at == std::string::npos
                          ? entry.aor
                          : router::make_aor(entry.aor.substr(0, at), entry.aor.substr(at + 1));
    rc.static_registrations[aor].push_back(entry.contact);
  }
  rc.record_route = config.record_route;
  rc.parallel_forking = config.forking == config::Forking::kParallel;
  return rc;
}

// The plain phones' registrar when a phones_file is configured; a random nonce secret per
// process (nonces from before a restart are simply challenged again).
Expected<std::unique_ptr<registrar::PhoneRegistry>, std::string> make_phone_registry(
    const config::GatewayConfig& config) {
  if (config.phones_file.empty()) return std::unique_ptr<registrar::PhoneRegistry>{};
  auto phones = config::read_phones_file(config.phones_file);
  if (!phones) return unexpected("phones_file: " + phones.error());
  std::random_device rd;
  std::string secret;
  for (int i = 0; i < 8; ++i) secret += fmt::format("{:08x}", rd());
  registrar::RegistrarPolicy policy = registrar::policy_from(config);
  registrar::Registrar r(policy, std::move(phones).value(),
                         registrar::NonceIssuer(secret, policy.realm));
  return std::make_unique<registrar::PhoneRegistry>(std::move(r));
}

// SIP over TLS when sip_tls_listen is set; without sip_tls_cert/key the node's overlay
// certificate and key (the dev CA's node.{crt,key} under data_dir when those are not set).
Expected<std::optional<sip::SipTlsOptions>, std::string> tls_options(const config::GatewayConfig& c) {
  if (!c.sip_tls_listen) return std::optional<sip::SipTlsOptions>{};
  if (c.sip_tls_cert.empty() != c.sip_tls_key.empty()) {
    return unexpected(std::string("config error: sip_tls_cert and sip_tls_key go together"));
  }
  sip::SipTlsOptions o;
  o.listen = *c.sip_tls_listen;
  o.verify = c.sip_tls_verify;
  o.files.cert = !c.sip_tls_cert.empty() ? c.sip_tls_cert
                 : !c.cert.empty()       ? c.cert
                                         : c.data_dir + "/node.crt";
  o.files.key = !c.sip_tls_key.empty() ? c.sip_tls_key
                : !c.key.empty()       ? c.key
                                       : c.data_dir + "/node.key";
  o.files.ca = c.sip_tls_ca;
  o.work_dir = c.data_dir;
  if (auto problem = config::check_readable_file(o.files.ca)) {
    return unexpected("config error: sip_tls_ca: " + *problem);
  }
  return std::optional<sip::SipTlsOptions>(std::move(o));
}

sip::OverloadLimits overload_limits(const config::OverloadConfig& c) {
  sip::OverloadLimits l;
  l.source_rate = c.source_rate;
  l.source_burst = c.source_burst;
  l.max_udp_backlog = c.max_udp_backlog_percent / 100.0;
  l.max_loop_lag = Millis{c.max_loop_lag_ms};
  l.max_transactions = c.max_transactions;
  l.max_lookups = c.max_lookups;
  l.retry_after_s = c.retry_after;
  return l;
}

}  // namespace

int run_gateway(const config::GatewayConfig& config) {
  auto log = make_logger("gateway", config.log_level);
  std::string problem;
  if (!ensure_data_dir(config.data_dir, problem)) {
    std::fprintf(stderr, "config error: data_dir: %s\n", problem.c_str());
    return kExitConfigError;
  }
  auto phones = make_phone_registry(config);
  if (!phones) {
    std::fprintf(stderr, "config error: %s\n", phones.error().c_str());
    return kExitConfigError;
  }
  auto plan = prepare_overlay(config, *log);
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.error().message.c_str());
    return plan.error().exit_code;
  }
  auto tls = tls_options(config);
  if (!tls) {
    std::fprintf(stderr, "%s\n", tls.error().c_str());
    return kExitConfigError;
  }
  // The address others use for the SIP side (sip_advertise, or derived: advertise.h).
  auto interfaces = interface_addresses();
  auto announced = config::resolve_advertise(config.sip_listen, config.sip_advertise, interfaces,
                                             "sip_advertise");
  const config::HostPort& advertise = announced.address;
  auto kept = plan_static_registrations(config, advertise, plan->credentials, *log);
  if (!kept) {
    std::fprintf(stderr, "%s\n", kept.error().message.c_str());
    return kept.error().exit_code;
  }
  if (!announced.warning.empty()) log->warn("SIP: {}", announced.warning);
  PhoneOverlayKeeper phone_keeper(config, advertise, plan->credentials.cert.node_ids().empty()
                                              ? security::NodeId{}
                                              : plan->credentials.cert.node_ids().front(),
                                  *log);
  std::set<std::string> static_aors;  // for the refresh timestamp (not the service AoR)
  for (const auto& k : *kept) static_aors.insert(k.aor);
  for (auto& service : plan_service_registration(config, advertise, plan->credentials, *log)) {
    kept->push_back(std::move(service));
  }
  log->info("p2psip {} starting: overlay '{}', data dir '{}'", P2PSIP_VERSION, config.overlay,
            config.data_dir);

  metrics::Metrics metrics(P2PSIP_VERSION);
  metrics::HealthState health;
  metrics::StatusBoard status;
  auto http = metrics::HttpServer::start(config.metrics_listen.host, config.metrics_listen.port,
                                         metrics, health, status);
  if (!http) {
    log->error("{}", http.error());
    return kExitRuntimeError;
  }
  log->info("metrics on http://{}/metrics (/health, /status)", config.metrics_listen.to_string());

  SofiaLibrary sofia;
  auto loop = EventLoop::create();
  if (!loop) {
    log->error("event loop: {}", loop.error());
    return kExitRuntimeError;
  }
  SystemClock clock;
  DnsMetricsObserver dns_observer(metrics.dns);
  auto resolver = make_resolver(config, (*loop)->uv(), clock, dns_observer, *log);
  if (!resolver) return kExitRuntimeError;
  // AoR lookups through the overlay's SIP usage client once the overlay runs and has joined.
  UsageLookup lookup([&health] { return health.overlay_joined.load(); }, metrics.gateway,
                     make_logger("lookup", config.log_level));
  // Admission control: the SIP UDP queue (its sockets are found once nta has bound them), the
  // loop's lag (probed every 10 ms), pending lookups and transactions.
  UdpBacklog backlog;
  auto lag = std::make_unique<LoopLagProbe>((*loop)->su_root(), clock, Millis{10}, [&metrics](Millis l) {
    metrics.overload.loop_lag(static_cast<double>(l.count()) / 1000.0);
  });
  sip::OverloadGate overload(overload_limits(config.overload), config.trusted_networks,
                             {[&backlog] { return backlog.fill(); }, [&lag] { return lag->lag(); },
                              [&lookup] { return lookup.pending(); }},
                             clock, metrics.overload, metrics.sip, make_logger("overload", config.log_level));
  sip::ProxyDeps deps;
  deps.overload = &overload;
  deps.router = router_config(config);
  deps.advertise = advertise;
  deps.own_hosts = own_hosts(config.sip_listen, advertise, interfaces);
  metrics.gateway.static_registrations(config.static_registrations.size());
  deps.lookup = &lookup;
  if (*phones) log->info("plain phones: registrar for realm '{}'", config.realm);
  deps.phones = std::move(phones).value();
  deps.phone_changed = [&phone_keeper](const std::string& aor, bool registered) {
    phone_keeper.changed(aor, registered);
  };
  deps.resolver = resolver.get();
  deps.sip_metrics = &metrics.sip;
  deps.metrics = &metrics.gateway;
  deps.clock = &clock;
  // Overlay peers are trusted senders: a source address with a verified overlay link to this
  // node (the overlay starts after SIP; `peers` is set from then until it is destroyed).
  OverlayRuntime* peers = nullptr;
  deps.known_sender = [&peers](std::string_view ip) {
    return peers != nullptr && peers->node().linked_to(ip);
  };
  auto sip = sip::SipAgent::start((*loop)->su_root(), config.sip_listen, *tls, config.sip_t1_ms,
                                  std::move(deps), make_logger("sip", config.log_level),
                                  {.max_connections = config.sip_tcp_max_connections,
                                   .max_per_ip = config.sip_tcp_max_per_ip});
  if (!sip) {
    log->error("{}", sip.error());
    return kExitRuntimeError;
  }
  health.sip_listening = true;
  backlog = UdpBacklog::find(config.sip_listen.port);
  if (backlog.sockets() == 0) log->warn("overload: no SIP UDP socket found; its queue is not watched");
  // Twice the default depth rides out short stalls (the host scheduling other work) without
  // drops; no deeper, or the queue itself would hold requests past T1. Kamailio asks the same
  // (its maxbuffer, 256 KiB; Linux doubles the value for its bookkeeping).
  else log->info("SIP UDP receive buffer {} bytes", backlog.grow_receive_buffers(256 << 10));
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto started = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  status.publish("{" + status_members(config, advertise, started) + "}");
  // The overlay after SIP: the gateway joins (or starts) the overlay once it can serve.
  auto overlay = OverlayRuntime::start((*loop)->uv(), std::move(*plan), metrics.overlay, health,
                                       status, status_members(config, advertise, started));
  if (!overlay) {
    log->error("{}", overlay.error().message);
    return overlay.error().exit_code;
  }
  lookup.attach(overlay->get());
  peers = overlay->get();
  phone_keeper.attach(&(*overlay)->registrations());
  // Stored once joined, refreshed, re-stored on ring changes, removed before the Leave.
  (*overlay)->registrations().on_stored([&metrics, &clock, static_aors](const std::string& aor) {
    if (static_aors.count(aor)) {
      metrics.gateway.static_registrations_refreshed(static_cast<double>(clock.wall_ms()) / 1000.0);
    }
  });
  for (auto& k : *kept) {
    if (!(*overlay)->registrations().add(k.aor, k.value, config.registration_lifetime, std::move(k.who))) {
      log->warn("cannot keep {} registered in the overlay", k.aor);
    } else {
      log->info("keeping {} registered in the overlay", k.aor);
    }
  }

  (*loop)->on_stop_signal([&](int sig) {
    log->info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    health.sip_listening = false;
  });
  (*loop)->run();
  leave_overlay(**loop, **overlay, Millis{3000});  // within the 5 s shutdown budget

  lookup.attach(nullptr);
  phone_keeper.attach(nullptr);
  peers = nullptr;
  overlay->reset();
  sip->reset();  // stop SIP (its transactions use the resolver), then DNS, then the loop
  resolver.reset();
  lag.reset();
  loop->reset();
  log->debug("overlay, SIP and event loop stopped; closing the metrics port");
  http->reset();
  log->info("stopped cleanly");
  return kExitOk;
}

}  // namespace p2psip::runtime
