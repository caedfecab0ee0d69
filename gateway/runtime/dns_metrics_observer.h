#pragma once
// Feeds the resolver's events into the p2psip_dns_* metric families. dns/ knows nothing of
// Prometheus; this adapter is the only place the two meet.

#include "dns/resolver.h"
#include "metrics/metrics.h"

namespace p2psip::runtime {

class DnsMetricsObserver final : public dns::ResolverObserver {
 public:
  explicit DnsMetricsObserver(metrics::DnsMetrics& m) : metrics_(m) {}
  void on_query(dns::RecordType type, dns::QueryResult result) override;
  void on_cache_hit(dns::RecordType type) override;
  void on_resolution(double seconds, bool ok) override;

 private:
  metrics::DnsMetrics& metrics_;
};

}  // namespace p2psip::runtime
