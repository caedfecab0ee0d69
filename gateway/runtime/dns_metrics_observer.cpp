#include "gateway/runtime/dns_metrics_observer.h"

namespace p2psip::runtime {

namespace {

metrics::DnsQueryType to_metric(dns::RecordType t) {
  switch (t) {
    case dns::RecordType::naptr: return metrics::DnsQueryType::kNaptr;
    case dns::RecordType::srv: return metrics::DnsQueryType::kSrv;
    case dns::RecordType::a: return metrics::DnsQueryType::kA;
    case dns::RecordType::aaaa: return metrics::DnsQueryType::kAaaa;
  }
  return metrics::DnsQueryType::kA;
}

metrics::DnsQueryResult to_metric(dns::QueryResult r) {
  switch (r) {
    case dns::QueryResult::ok: return metrics::DnsQueryResult::kOk;
    case dns::QueryResult::nxdomain: return metrics::DnsQueryResult::kNxdomain;
    case dns::QueryResult::nodata: return metrics::DnsQueryResult::kNodata;
    case dns::QueryResult::servfail: return metrics::DnsQueryResult::kServfail;
    case dns::QueryResult::timeout: return metrics::DnsQueryResult::kTimeout;
    case dns::QueryResult::error: return metrics::DnsQueryResult::kError;
  }
  return metrics::DnsQueryResult::kError;
}

}  // namespace

void DnsMetricsObserver::on_query(dns::RecordType type, dns::QueryResult result) {
  metrics_.query(to_metric(type), to_metric(result));
}

void DnsMetricsObserver::on_cache_hit(dns::RecordType) { metrics_.cache_hit(); }

void DnsMetricsObserver::on_resolution(double seconds, bool ok) { metrics_.resolution(seconds, ok); }

}  // namespace p2psip::runtime
