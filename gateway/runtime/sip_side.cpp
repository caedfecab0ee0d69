#include "gateway/runtime/sip_side.h"

#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gateway/config/advertise.h"
#include "gateway/config/phones.h"
#include "gateway/runtime/interface_addresses.h"
#include "gateway/runtime/logging.h"

namespace p2psip::runtime {

namespace {

// The hosts a Request-URI may name the gateway by: the listen address (every interface address
// when it is the any-address) and the advertised host.
std::vector<std::string> own_hosts(const config::HostPort& listen, const config::HostPort& advertise,
                                   const std::vector<config::InterfaceAddress>& interfaces) {
  std::vector<std::string> out{advertise.host};
  if (!config::is_any_address(listen.host)) out.push_back(listen.host);
  else for (const auto& a : interfaces) out.push_back(a.ip);
  return out;
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

// The router's view of the config: the domain first, then the aliases; the static table.
router::RouterConfig router_config(const config::GatewayConfig& config) {
  router::RouterConfig rc;
  rc.domains.push_back(config.domain);
  rc.domains.insert(rc.domains.end(), config.aliases.begin(), config.aliases.end());
  rc.trusted_networks = config.trusted_networks;
  rc.static_registrations = static_table(config);
  rc.record_route = config.record_route;
  rc.parallel_forking = config.forking == config::Forking::kParallel;
  return rc;
}

// The nonce secret: nonce_secret_file's, shared by the gateways of a site (a nonce one issued
// verifies at the others), else random per process (a nonce from another gateway or from
// before a restart gets 401 stale=true, and the phone answers the new one).
Expected<std::string, std::string> nonce_secret(const config::GatewayConfig& config) {
  if (!config.nonce_secret_file.empty()) {
    auto secret = config::read_nonce_secret(config.nonce_secret_file);
    if (!secret) return unexpected("nonce_secret_file: " + secret.error());
    return secret;
  }
  std::random_device rd;
  std::string secret;
  for (int i = 0; i < 8; ++i) secret += fmt::format("{:08x}", rd());
  return secret;
}

// The plain phones' registrar when a phones_file is configured.
Expected<std::unique_ptr<registrar::PhoneRegistry>, std::string> make_phone_registry(
    const config::GatewayConfig& config) {
  if (config.phones_file.empty()) return std::unique_ptr<registrar::PhoneRegistry>{};
  auto phones = config::read_phones_file(config.phones_file);
  if (!phones) return unexpected("phones_file: " + phones.error());
  auto secret = nonce_secret(config);
  if (!secret) return unexpected(secret.error());
  registrar::RegistrarPolicy policy = registrar::policy_from(config);
  registrar::Registrar r(policy, std::move(phones).value(),
                         registrar::NonceIssuer(std::move(*secret), policy.realm));
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
  l.max_queue_delay = Millis{c.max_queue_delay_ms};
  l.max_udp_backlog = c.max_udp_backlog_percent / 100.0;
  l.max_loop_lag = Millis{c.max_loop_lag_ms};
  l.max_transactions = c.max_transactions;
  l.max_lookups = c.max_lookups;
  l.retry_after_s = c.retry_after;
  return l;
}

// The queue's depth is headroom, not the overload signal: the gate sheds on how long requests
// wait (overload.h, StandingDelay). With 256 KiB asked (Kamailio's maxbuffer) the half-full
// signal fired on 10-20 ms stalls of the loop thread (the host running other work) at ~2,400
// calls/s, below capacity (bench/RESULTS-sip.md, 2026-12-06); a deeper queue lets the delay
// signal decide before datagrams are dropped.
void grow_receive_buffer(spdlog::logger& log, const UdpBacklog& backlog,
                         const config::OverloadConfig& c) {
  const std::uint32_t asked = c.udp_receive_buffer;
  if (asked == 0) {
    log.info("SIP UDP receive buffer: the kernel's default (sip_udp_receive_buffer 0)");
    return;
  }
  std::size_t got = backlog.grow_receive_buffers(static_cast<int>(asked));
  // Linux grants twice the size asked (its bookkeeping), capped at twice net.core.rmem_max.
  if (got / 2 < asked) {
    log.warn("SIP UDP receive buffer {} bytes for the {} asked (sip_udp_receive_buffer; Linux "
             "reports twice what it grants): net.core.rmem_max caps it; raise that sysctl, or "
             "bursts the gateway could serve are refused 503 once the queue is {}% full "
             "(overload_max_udp_backlog_percent)", got, asked, c.max_udp_backlog_percent);
  } else {
    log.info("SIP UDP receive buffer {} bytes (asked {}; Linux reports twice what it grants)",
             got, asked);
  }
}

}  // namespace

router::StaticTable static_table(const config::GatewayConfig& config) {
  router::StaticTable table;
  for (const auto& entry : config.static_registrations) {
    auto at = entry.aor.find('@');
    std::string aor = at == std::string::npos
                          ? entry.aor
                          : router::make_aor(entry.aor.substr(0, at), entry.aor.substr(at + 1));
    table[aor].push_back(entry.contact);
  }
  return table;
}

Expected<SipPlan, StartError> plan_sip(const config::GatewayConfig& config) {
  SipPlan plan;
  auto phones = make_phone_registry(config);
  if (!phones) return unexpected(StartError{2, "config error: " + phones.error()});
  plan.phones = std::move(*phones);
  auto tls = tls_options(config);
  if (!tls) return unexpected(StartError{2, tls.error()});
  plan.tls = std::move(*tls);
  plan.interfaces = interface_addresses();
  auto announced = config::resolve_advertise(config.sip_listen, config.sip_advertise,
                                             plan.interfaces, "sip_advertise");
  plan.advertise = announced.address;
  plan.advertise_warning = announced.warning;
  return plan;
}

SipSide::SipSide(const config::GatewayConfig& config, MetricsPort& port,
                 const std::string& node_id, const Clock& clock, spdlog::logger& log)
    : port_(port),
      dns_observer_(port.metrics.dns),
      lookup_([this] { return overlay_joined_ && overlay_joined_(); },
              port.metrics.gateway, make_logger("lookup", config.log_level),
              {config.lookup_cache.max_entries, config.lookup_cache.ttl_ms}, clock,
              port.metrics.lookup_cache),
      phone_keeper_(config, node_id, log) {}

SipSide::~SipSide() {
  pending_phones_.reset();
  // The agent first (its transactions use the resolver), then DNS and the rest.
  agent_.reset();
  resolver_.reset();
  lag_.reset();
  heap_trim_.reset();
}

std::unique_ptr<SipSide> SipSide::start(const config::GatewayConfig& config, SipPlan plan,
                                        EventLoop& loop, const Clock& clock, MetricsPort& port,
                                        const std::string& node_id, spdlog::logger& log,
                                        unsigned worker) {
  std::unique_ptr<SipSide> self(new SipSide(config, port, node_id, clock, log));
  SipSide* s = self.get();
  metrics::Metrics& metrics = port.metrics;
  s->resolver_ = make_resolver(config, loop.uv(), clock, s->dns_observer_, log);
  if (!s->resolver_) return nullptr;
  s->pending_phones_ = std::make_unique<uv::Timer>(loop.uv());
  // Admission control: the SIP UDP queue (its sockets are found once nta has bound them), the
  // loop's lag (probed every 10 ms), pending lookups and transactions.
  s->lag_ = std::make_unique<LoopLagProbe>(loop.su_root(), clock, Millis{10}, [&metrics, worker](Millis l) {
    if (worker == 0) metrics.overload.loop_lag(static_cast<double>(l.count()) / 1000.0);
  });
  // 30 s of quiet before a trim: a trim in a pause of a few seconds made the next burst pay
  // the page faults of growing the heap again, and the overload gate shed its first requests
  // (bench/RESULTS-sip.md, 2026-12-06 21:00).
  if (worker == 0) s->heap_trim_ = std::make_unique<HeapTrimmer>(
      loop.su_root(), clock, Millis{30000}, TrimPolicy{},
      [s] {
        std::uint64_t others = s->followers_.messages_received ? s->followers_.messages_received() : 0;
        return s->messages_received() + others;
      },
      make_logger("heap", config.log_level));
  s->overload_ = std::make_unique<sip::OverloadGate>(
      overload_limits(config.overload), config.trusted_networks,
      sip::OverloadGate::Probes{.udp_backlog = [s] { return s->backlog_.fill(); },
                                .queue_delay_ms = [s] { return s->backlog_.last_wait_ms(); },
                                .loop_lag = [s] { return s->lag_->lag(); },
                                .lookups = [s] { return s->lookup_.pending(); }},
      clock, metrics.overload, metrics.sip, make_logger("overload", config.log_level));
  sip::ProxyDeps deps;
  deps.overload = s->overload_.get();
  deps.router = router_config(config);
  deps.advertise = plan.advertise;
  deps.own_hosts = own_hosts(config.sip_listen, plan.advertise, plan.interfaces);
  metrics.gateway.static_registrations(config.static_registrations.size());
  deps.lookup = &s->lookup_;
  if (plan.phones) log.info("plain phones: registrar for realm '{}'", config.realm);
  deps.phones = std::move(plan.phones);
  deps.phone_changed = [s](const std::string& aor,
                           const std::optional<registrar::OverlayBinding>& binding) {
    s->lookup_.forget(aor);  // this gateway stores or removes it: the cached answer is old
    s->phone_keeper_.changed(aor, binding);
  };
  deps.resolver = s->resolver_.get();
  // OPTIONS to the gateway follows /readyz; the loop answering it is live by definition.
  deps.ready = [&h = port.health] { return !metrics::not_ready(metrics::facts_of(h, h.loop_beat_ms)); };
  deps.draining = [&h = port.health] { return h.draining.load(); };
  deps.call_max_idle = Millis{static_cast<Millis::rep>(config.drain_call_max_idle_s) * 1000};
  deps.sip_metrics = &metrics.sip;
  deps.metrics = &metrics.gateway;
  deps.clock = &clock;
  // Overlay peers are trusted senders: a source address with a verified overlay link to this
  // node (the overlay starts after SIP; attach() sets it until the node is gone).
  deps.known_sender = [s](std::string_view ip) {
    return s->overlay_linked_ && s->overlay_linked_(ip);
  };
  auto agent = sip::SipAgent::start(loop.su_root(), config.sip_listen, plan.tls, config.sip_t1_ms,
                                    std::move(deps),
                                    make_logger(worker == 0 ? "sip" : fmt::format("sip{}", worker),
                                                config.log_level),
                                    {.max_connections = config.sip_tcp_max_connections,
                                     .max_per_ip = config.sip_tcp_max_per_ip},
                                    config.sip_t1x64_ms);
  if (!agent) {
    log.error("{}", agent.error());
    return nullptr;
  }
  s->agent_ = std::move(*agent);
  if (worker == 0) port.health.sip_listening = true;
  s->backlog_ = UdpBacklog::find(config.sip_listen.port);
  if (s->backlog_.sockets() == 0) {
    log.warn("overload: no SIP UDP socket found; its queue is not watched");
  } else {
    grow_receive_buffer(log, s->backlog_, config.overload);
  }
  return self;
}

namespace {
constexpr Millis kPendingCheck{500};  // how soon after the join a waiting phone is stored
}  // namespace

std::function<void(double)> SipSide::lookup_timing(metrics::OverlayMetrics* timing) {
  if (!timing) return {};
  return [timing](double seconds) { timing->lookup_duration(seconds); };
}

void SipSide::attach(OverlayBridge* bridge, std::shared_ptr<LoopInbox> inbox,
                     metrics::OverlayMetrics* timing) {
  if (!bridge) {
    overlay_joined_ = nullptr;
    overlay_linked_ = nullptr;
    lookup_.attach_fetch({});
    return;
  }
  overlay_joined_ = [bridge] { return bridge->joined(); };
  overlay_linked_ = [bridge](std::string_view ip) { return bridge->linked_to(ip); };
  lookup_.attach_fetch(
      [bridge, inbox](const std::string& aor, overlay::LookupDone done) {
        bridge->lookup(aor, inbox, std::move(done));
      },
      lookup_timing(timing));
}

void SipSide::attach(overlay::Node* node, metrics::OverlayMetrics* timing) {
  if (node) {
    overlay_joined_ = [node] { return node->state() == overlay::State::kJoined; };
    overlay_linked_ = [node](std::string_view ip) { return node->linked_to(ip); };
  } else {
    overlay_joined_ = nullptr;
    overlay_linked_ = nullptr;
  }
  phone_keeper_.attach(node);
  if (!node) {
    pending_phones_->stop();
  } else {
    pending_phones_->start(kPendingCheck.count(), kPendingCheck.count(), [this] {
      sip::PhoneFrontEnd* front = agent_ ? agent_->proxy().phones() : nullptr;
      if (!front) return;
      phone_keeper_.store_pending([front](const std::string& aor) { return front->overlay_binding(aor); });
    });
  }
  lookup_.attach(node, lookup_timing(timing));
}

sip::PhoneFrontEnd* SipSide::phones() { return agent_->proxy().phones(); }

void SipSide::phone_renewed(const std::string& aor) {
  sip::PhoneFrontEnd* front = agent_ ? agent_->proxy().phones() : nullptr;
  phone_keeper_.renewed(aor, front ? front->overlay_binding(aor) : std::nullopt);
}

void SipSide::replace_static(const config::GatewayConfig& config) {
  agent_->proxy().set_static_registrations(static_table(config));
  port_.metrics.gateway.static_registrations(config.static_registrations.size());
  if (followers_.replace_static) followers_.replace_static(config);
}

void SipSide::forget_lookups() {
  lookup_.forget_all();
  if (followers_.forget_lookups) followers_.forget_lookups();
}

void SipSide::stopping() { port_.health.sip_listening = false; }

std::size_t SipSide::in_flight() const { return agent_ ? agent_->in_flight() : 0; }

}  // namespace p2psip::runtime
