#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "metrics/process_collector.h"

namespace p2psip::metrics {

namespace {

constexpr std::array<const char*, 6> kCodeClasses = {"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};
constexpr std::array<const char*, 4> kDnsTypes = {"NAPTR", "SRV", "A", "AAAA"};
constexpr std::array<const char*, 6> kDnsResults = {"ok",       "nxdomain", "nodata",
                                                    "servfail", "timeout",  "error"};

std::string route_label(std::size_t r) {
  return std::string(router::to_string(static_cast<router::Route>(r)));
}

std::size_t method_index(std::string_view method) {
  for (std::size_t i = 0; i < kSipMethods.size(); ++i) {
    if (kSipMethods[i] == method) return i;
  }
  return kSipMethods.size();
}

std::size_t code_class_index(int status) {
  int cls = status / 100;
  return cls >= 1 && cls <= 6 ? static_cast<std::size_t>(cls - 1) : 5;
}

void fill_code_classes(prometheus::Family<prometheus::Counter>& family,
                       std::array<prometheus::Counter*, 6>& out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = &family.Add({{"code_class", kCodeClasses[i]}});
}

}  // namespace

SipMetrics::SipMetrics(prometheus::Registry& registry) {
  auto& requests = prometheus::BuildCounter()
                       .Name("p2psip_sip_requests_received_total")
                       .Help("SIP requests received, by method")
                       .Register(registry);
  for (std::size_t i = 0; i < kSipMethods.size(); ++i) {
    requests_[i] = &requests.Add({{"method", std::string(kSipMethods[i])}});
  }
  requests_.back() = &requests.Add({{"method", "other"}});
  fill_code_classes(prometheus::BuildCounter()
                        .Name("p2psip_sip_responses_sent_total")
                        .Help("SIP responses sent by the gateway, by status class")
                        .Register(registry),
                    responses_sent_);
  fill_code_classes(prometheus::BuildCounter()
                        .Name("p2psip_sip_responses_received_total")
                        .Help("SIP responses received from downstream, by status class")
                        .Register(registry),
                    responses_received_);
  auto& closed = prometheus::BuildCounter()
                     .Name("p2psip_sip_connections_closed_total")
                     .Help("SIP TCP/TLS connections the gateway closed: no complete request in "
                           "time, over the per-address or the total limit")
                     .Register(registry);
  connections_closed_ = {&closed.Add({{"reason", "no_request"}}),
                         &closed.Add({{"reason", "per_ip"}}), &closed.Add({{"reason", "total"}})};
  auto& stray = prometheus::BuildCounter()
                    .Name("p2psip_sip_stray_responses_total")
                    .Help("SIP responses matching no transaction: 2xx to INVITE retransmissions "
                          "forwarded upstream, or dropped")
                    .Register(registry);
  stray_responses_ = {&stray.Add({{"action", "forwarded"}}), &stray.Add({{"action", "dropped"}})};
}

void SipMetrics::request_received(std::string_view method) {
  requests_[method_index(method)]->Increment();
}

void SipMetrics::response_sent(int status) { responses_sent_[code_class_index(status)]->Increment(); }

void SipMetrics::connection_closed(std::size_t reason) {
  if (reason < connections_closed_.size()) connections_closed_[reason]->Increment();
}

void SipMetrics::stray_response(bool forwarded) { stray_responses_[forwarded ? 0 : 1]->Increment(); }

void SipMetrics::response_received(int status) {
  responses_received_[code_class_index(status)]->Increment();
}

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry) {
  auto& forwarded = prometheus::BuildCounter()
                        .Name("p2psip_sip_requests_forwarded_total")
                        .Help("SIP requests forwarded by the proxy, by method and route")
                        .Register(registry);
  for (std::size_t m = 0; m < forwarded_.size(); ++m) {
    std::string method = m < kSipMethods.size() ? std::string(kSipMethods[m]) : "other";
    for (std::size_t r = 0; r < router::kForwardingRoutes; ++r) {
      forwarded_[m][r] = &forwarded.Add({{"method", method}, {"route", route_label(r)}});
    }
  }
  auto& routes = prometheus::BuildCounter()
                     .Name("p2psip_gateway_routes_total")
                     .Help("Routing decisions for requests outside a transaction, by route")
                     .Register(registry);
  for (std::size_t r = 0; r < routes_.size(); ++r) routes_[r] = &routes.Add({{"route", route_label(r)}});
  auto& txns = prometheus::BuildGauge()
                   .Name("p2psip_sip_transactions")
                   .Help("SIP transactions the proxy holds open, by side")
                   .Register(registry);
  transactions_[0] = &txns.Add({{"side", "server"}});
  transactions_[1] = &txns.Add({{"side", "client"}});
  dns_fallbacks_ = &prometheus::BuildCounter()
                        .Name("p2psip_dns_fallbacks_total")
                        .Help("Outbound requests routed by RFC 3263 after the overlay had no route")
                        .Register(registry)
                        .Add({});
  dns_fallback_failures_ = &prometheus::BuildCounter()
                                .Name("p2psip_dns_fallback_failures_total")
                                .Help("DNS fallbacks that reached no target (resolution failed or "
                                      "every target failed)")
                                .Register(registry)
                                .Add({});
  call_setup_ = &prometheus::BuildHistogram()
                     .Name("p2psip_call_setup_duration_seconds")
                     .Help("Time from an INVITE received to its first 2xx relayed")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
  malformed_ = &prometheus::BuildCounter()
                    .Name("p2psip_sip_malformed_requests_total")
                    .Help("SIP requests answered 400 or dropped because they could not be used")
                    .Register(registry)
                    .Add({});
  registered_phones_ = &prometheus::BuildGauge()
                            .Name("p2psip_registered_phones")
                            .Help("Contacts of plain SIP phones currently registered at the gateway")
                            .Register(registry)
                            .Add({});
  static_registrations_ = &prometheus::BuildGauge()
                               .Name("p2psip_static_registrations")
                               .Help("Static registrations configured at the gateway (AoR, contact)")
                               .Register(registry)
                               .Add({});
  auto& lookups = prometheus::BuildCounter()
                      .Name("p2psip_overlay_lookups_total")
                      .Help("AoR lookups in the overlay for SIP requests, by result")
                      .Register(registry);
  overlay_lookups_[0] = &lookups.Add({{"result", "found"}});
  overlay_lookups_[1] = &lookups.Add({{"result", "not_found"}});
  overlay_lookups_[2] = &lookups.Add({{"result", "unreachable"}});
  auto& reloads = prometheus::BuildCounter()
                      .Name("p2psip_config_reloads_total")
                      .Help("Reloads of the phones file and static registrations (SIGHUP), by "
                            "result: ok (applied) or refused (the running configuration kept)")
                      .Register(registry);
  reloads_[0] = &reloads.Add({{"result", "ok"}});
  reloads_[1] = &reloads.Add({{"result", "refused"}});
  refresh_family_ = &prometheus::BuildGauge()
                         .Name("p2psip_gateway_static_registrations_refresh_timestamp_seconds")
                         .Help("When the gateway last stored or refreshed one of its static "
                               "registrations in the overlay (Unix time)")
                         .Register(registry);
}

void GatewayMetrics::request_forwarded(std::string_view method, router::Route route) {
  auto r = static_cast<std::size_t>(route);
  if (r < router::kForwardingRoutes) forwarded_[method_index(method)][r]->Increment();
}

void GatewayMetrics::routed(router::Route route) {
  routes_[static_cast<std::size_t>(route)]->Increment();
}

void GatewayMetrics::transaction_started(TransactionSide side) {
  transactions_[static_cast<std::size_t>(side)]->Increment();
}

void GatewayMetrics::transaction_ended(TransactionSide side) {
  transactions_[static_cast<std::size_t>(side)]->Decrement();
}

void GatewayMetrics::dns_fallback() { dns_fallbacks_->Increment(); }
void GatewayMetrics::dns_fallback_failure() { dns_fallback_failures_->Increment(); }
void GatewayMetrics::call_setup(double seconds) { call_setup_->Observe(seconds); }
void GatewayMetrics::malformed() { malformed_->Increment(); }
void GatewayMetrics::registered_phones(std::size_t bindings) {
  registered_phones_->Set(static_cast<double>(bindings));
}
void GatewayMetrics::static_registrations_refreshed(double unix_seconds) {
  if (!refreshed_) refreshed_ = &refresh_family_->Add({});
  refreshed_->Set(unix_seconds);
}
void GatewayMetrics::overlay_lookup(OverlayLookupResult result) {
  overlay_lookups_[static_cast<std::size_t>(result)]->Increment();
}
void GatewayMetrics::config_reload(bool ok) { reloads_[ok ? 0 : 1]->Increment(); }

void GatewayMetrics::static_registrations(std::size_t entries) {
  static_registrations_->Set(static_cast<double>(entries));
}

OverloadMetrics::OverloadMetrics(prometheus::Registry& registry) {
  auto& shed = prometheus::BuildCounter()
                   .Name("p2psip_sip_requests_shed_total")
                   .Help("Initial SIP requests refused with 503 at the edge, by reason "
                         "(overload: the gateway is shedding load; source_limit: one source over "
                         "its rate)")
                   .Register(registry);
  shed_[0] = &shed.Add({{"reason", "overload"}});
  shed_[1] = &shed.Add({{"reason", "source_limit"}});
  shedding_ = &prometheus::BuildGauge()
                   .Name("p2psip_sip_overload_shedding")
                   .Help("1 while the gateway sheds new SIP requests because it is overloaded")
                   .Register(registry)
                   .Add({});
  loop_lag_ = &prometheus::BuildGauge()
                   .Name("p2psip_event_loop_lag_seconds")
                   .Help("How late the event loop ran its periodic lag probe, recently")
                   .Register(registry)
                   .Add({});
}

void OverloadMetrics::shed(ShedReason reason) { shed_[static_cast<std::size_t>(reason)]->Increment(); }
void OverloadMetrics::shedding(bool on) { shedding_->Set(on ? 1 : 0); }
void OverloadMetrics::loop_lag(double seconds) { loop_lag_->Set(seconds); }

DnsMetrics::DnsMetrics(prometheus::Registry& registry) {
  auto& queries = prometheus::BuildCounter()
                      .Name("p2psip_dns_queries_total")
                      .Help("DNS queries sent for RFC 3263 resolution, by type and result")
                      .Register(registry);
  for (std::size_t t = 0; t < kDnsTypes.size(); ++t) {
    for (std::size_t r = 0; r < kDnsResults.size(); ++r) {
      queries_[t][r] = &queries.Add({{"type", kDnsTypes[t]}, {"result", kDnsResults[r]}});
    }
  }
  cache_hits_ = &prometheus::BuildCounter()
                     .Name("p2psip_dns_cache_hits_total")
                     .Help("DNS lookups answered from the resolver cache")
                     .Register(registry)
                     .Add({});
  auto& duration = prometheus::BuildHistogram()
                       .Name("p2psip_dns_resolution_duration_seconds")
                       .Help("Time to resolve a SIP URI to its ordered targets (RFC 3263)")
                       .Register(registry);
  const prometheus::Histogram::BucketBoundaries buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025,  0.05,  0.1,    0.25,  0.5,
                                                           1,      2.5,   5};
  resolution_ok_ = &duration.Add({{"result", "ok"}}, buckets);
  resolution_failed_ = &duration.Add({{"result", "failed"}}, buckets);
}

void DnsMetrics::query(DnsQueryType type, DnsQueryResult result) {
  queries_[static_cast<std::size_t>(type)][static_cast<std::size_t>(result)]->Increment();
}

void DnsMetrics::cache_hit() { cache_hits_->Increment(); }

void DnsMetrics::resolution(double seconds, bool ok) {
  (ok ? resolution_ok_ : resolution_failed_)->Observe(seconds);
}

HttpMetrics::HttpMetrics(prometheus::Registry& registry) {
  auto& closed = prometheus::BuildCounter()
                     .Name("p2psip_http_connections_closed_total")
                     .Help("Metrics-port connections closed before their answer: evicted for a "
                           "newer one when full, or too slow to send the request or take the answer")
                     .Register(registry);
  closed_ = {&closed.Add({{"reason", "evicted"}}), &closed.Add({{"reason", "head_timeout"}}),
             &closed.Add({{"reason", "write_timeout"}})};
  open_ = &prometheus::BuildGauge()
               .Name("p2psip_http_connections")
               .Help("Open connections to the metrics port")
               .Register(registry)
               .Add({});
}

void HttpMetrics::closed(HttpClose why) { closed_[static_cast<std::size_t>(why)]->Increment(); }

void HttpMetrics::open_connections(std::size_t n) { open_->Set(static_cast<double>(n)); }

EnrollMetrics::EnrollMetrics(prometheus::Registry& registry) {
  documents_ = &prometheus::BuildCounter()
                    .Name("p2psip_enroll_documents_served_total")
                    .Help("Configuration documents served (GET /.well-known/reload-config)")
                    .Register(registry)
                    .Add({});
  enrollments_ = &prometheus::BuildCounter()
                      .Name("p2psip_enroll_certificates_issued_total")
                      .Help("Certificates issued by the enrollment server (RFC 6940 §11.3)")
                      .Register(registry)
                      .Add({});
  evicted_ = &prometheus::BuildCounter()
                  .Name("p2psip_enroll_connections_evicted_total")
                  .Help("Enrollment server connections closed to make room for a newer one")
                  .Register(registry)
                  .Add({});
  auto& refusals = prometheus::BuildCounter()
                       .Name("p2psip_enroll_refusals_total")
                       .Help("Enrollment requests refused, by §11.3 token (or locked_out, bad_request)")
                       .Register(registry);
  for (std::size_t i = 0; i < kEnrollRefusals.size(); ++i) {
    refusals_[i] = &refusals.Add({{"reason", std::string(kEnrollRefusals[i])}});
  }
  refusals_.back() = &refusals.Add({{"reason", "other"}});
  auto& phones = prometheus::BuildCounter()
                     .Name("p2psip_enroll_phones_total")
                     .Help("Phones a gateway enrolled on their behalf at its start, by result "
                           "(deferred: refused before, not asked again yet; renewed: while running)")
                     .Register(registry);
  std::size_t i = 0;
  for (const char* result : {"enrolled", "refused", "deferred", "failed", "renewed"}) {
    phones_[i++] = &phones.Add({{"result", result}});
  }
}

void EnrollMetrics::phones(std::uint64_t enrolled, std::uint64_t refused, std::uint64_t deferred,
                           std::uint64_t failed) {
  std::size_t i = 0;
  for (std::uint64_t n : {enrolled, refused, deferred, failed}) {
    phones_[i++]->Increment(static_cast<double>(n));
  }
}

void EnrollMetrics::refused(std::string_view reason) {
  std::size_t i = 0;
  while (i < kEnrollRefusals.size() && kEnrollRefusals[i] != reason) ++i;
  refusals_[i]->Increment();
}

Metrics::Metrics(std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      sip(*registry_),
      gateway(*registry_),
      overload(*registry_),
      dns(*registry_),
      overlay(*registry_),
      http(*registry_),
      enroll(*registry_),
      lookup_cache(*registry_),
      process_(std::make_shared<ProcessCollector>()) {
  prometheus::BuildGauge()
      .Name("p2psip_build_info")
      .Help("Build information; the value is always 1")
      .Register(*registry_)
      .Add({{"version", std::string(version)}})
      .Set(1);
}

std::string Metrics::serialize() const {
  auto families = registry_->Collect();
  auto process = process_->Collect();
  families.insert(families.end(), process.begin(), process.end());
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace p2psip::metrics
