#include <doctest/doctest.h>

#include <string>

#include "gateway/runtime/dns_metrics_observer.h"

using namespace p2psip;

TEST_CASE("resolver events become p2psip_dns_* series with the documented labels") {
  metrics::Metrics m("test");
  runtime::DnsMetricsObserver observer(m.dns);
  dns::ResolverObserver& as_base = observer;
  as_base.on_query(dns::RecordType::naptr, dns::QueryResult::nxdomain);
  as_base.on_query(dns::RecordType::aaaa, dns::QueryResult::timeout);
  as_base.on_query(dns::RecordType::srv, dns::QueryResult::ok);
  as_base.on_cache_hit(dns::RecordType::a);
  as_base.on_resolution(0.25, false);
  std::string text = m.serialize();
  CHECK(text.find("p2psip_dns_queries_total{result=\"nxdomain\",type=\"NAPTR\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_queries_total{result=\"timeout\",type=\"AAAA\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_queries_total{result=\"ok\",type=\"SRV\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_cache_hits_total 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_resolution_duration_seconds_count{result=\"failed\"} 1") != std::string::npos);
}
