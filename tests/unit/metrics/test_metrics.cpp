#include <doctest/doctest.h>

#include <string>

#include "metrics/metrics.h"
#include "metrics/process_collector.h"

using namespace p2psip::metrics;

TEST_CASE("SIP counters land in their labelled series") {
  Metrics m("1.2.3");
  m.sip.request_received("OPTIONS");
  m.sip.request_received("OPTIONS");
  m.sip.request_received("FOOBAR");  // unknown methods never become labels
  m.sip.response_sent(200);
  m.sip.response_sent(404);
  m.sip.response_sent(999);
  std::string text = m.serialize();
  CHECK(text.find("p2psip_sip_requests_received_total{method=\"OPTIONS\"} 2") != std::string::npos);
  CHECK(text.find("p2psip_sip_requests_received_total{method=\"other\"} 1") != std::string::npos);
  CHECK(text.find("FOOBAR") == std::string::npos);
  CHECK(text.find("p2psip_sip_responses_sent_total{code_class=\"2xx\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_sip_responses_sent_total{code_class=\"4xx\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_sip_responses_sent_total{code_class=\"6xx\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_build_info{version=\"1.2.3\"} 1") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes") != std::string::npos);
}

TEST_CASE("gateway proxy metrics: forwarded by method and route, transactions, fallbacks") {
  Metrics m("x");
  m.gateway.request_forwarded("INVITE", p2psip::router::Route::dns);
  m.gateway.request_forwarded("INVITE", p2psip::router::Route::dns);
  m.gateway.request_forwarded("FOOBAR", p2psip::router::Route::static_table);
  m.gateway.request_forwarded("BYE", p2psip::router::Route::local);  // not a forwarding route: ignored
  m.gateway.routed(p2psip::router::Route::rejected);
  m.gateway.transaction_started(TransactionSide::kServer);
  m.gateway.transaction_started(TransactionSide::kClient);
  m.gateway.transaction_started(TransactionSide::kClient);
  m.gateway.transaction_ended(TransactionSide::kClient);
  m.gateway.dns_fallback();
  m.gateway.dns_fallback_failure();
  m.gateway.call_setup(0.2);
  m.gateway.malformed();
  std::string text = m.serialize();
  auto has = [&](const std::string& s) { return text.find(s) != std::string::npos; };
  CHECK(has("p2psip_sip_requests_forwarded_total{method=\"INVITE\",route=\"dns\"} 2"));
  CHECK(has("p2psip_sip_requests_forwarded_total{method=\"other\",route=\"static\"} 1"));
  CHECK(has("p2psip_sip_requests_forwarded_total{method=\"BYE\",route=\"dialog\"} 0"));
  CHECK_FALSE(has("p2psip_sip_requests_forwarded_total{method=\"BYE\",route=\"local\"}"));
  CHECK(has("p2psip_gateway_routes_total{route=\"rejected\"} 1"));
  CHECK(has("p2psip_sip_transactions{side=\"server\"} 1"));
  CHECK(has("p2psip_sip_transactions{side=\"client\"} 1"));
  CHECK(has("p2psip_dns_fallbacks_total 1"));
  CHECK(has("p2psip_dns_fallback_failures_total 1"));
  CHECK(has("p2psip_call_setup_duration_seconds_count 1"));
  CHECK(has("p2psip_call_setup_duration_seconds_bucket{le=\"0.25\"} 1"));
  CHECK(has("p2psip_sip_malformed_requests_total 1"));
}

TEST_CASE("DNS metrics") {
  Metrics m("x");
  m.dns.query(DnsQueryType::kSrv, DnsQueryResult::kNxdomain);
  m.dns.cache_hit();
  m.dns.resolution(0.002, true);
  std::string text = m.serialize();
  CHECK(text.find("p2psip_dns_queries_total{result=\"nxdomain\",type=\"SRV\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_cache_hits_total 1") != std::string::npos);
  CHECK(text.find("p2psip_dns_resolution_duration_seconds_count{result=\"ok\"} 1") != std::string::npos);
}

TEST_CASE("parse_proc_stat reads the fields after a command name with spaces") {
  // pid (comm) state ppid ... utime(14)=250 stime(15)=50 ... starttime(22)=1000 vsize(23) rss(24)
  std::string stat =
      "4242 (p2p sip (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3 0 1000 123456789 300 rest";
  ProcessSample s;
  REQUIRE(parse_proc_stat(stat, 100, 4096, 1'700'000'000, s));
  CHECK(s.cpu_seconds == doctest::Approx(3.0));
  CHECK(s.start_time_seconds == doctest::Approx(1'700'000'010.0));
  CHECK(s.virtual_bytes == doctest::Approx(123456789.0));
  CHECK(s.resident_bytes == doctest::Approx(300.0 * 4096));
  CHECK_FALSE(parse_proc_stat("garbage", 100, 4096, 0, s));
}

TEST_CASE("overlay metrics: totals become counter increments, labels stay bounded") {
  Metrics m("x");
  m.overlay.routing_table_peers(7);
  m.overlay.messages_total("join_req", OverlayDirection::kIn, 3);
  m.overlay.messages_total("join_req", OverlayDirection::kIn, 5);  // +2
  m.overlay.messages_total("join_req", OverlayDirection::kOut, 1);
  m.overlay.link_errors_total("bad_certificate", 2);
  m.overlay.link_errors_total("bad_certificate", 2);  // unchanged
  m.overlay.answers_refused_total(OverlayAnswerRefused::kUnmatched, 4);
  std::string text = m.serialize();
  // Present from the start, before the node reports any.
  CHECK(text.find("p2psip_overlay_in_process_messages_total 0") != std::string::npos);
  CHECK(text.find("p2psip_overlay_verify_queue_full_total 0") != std::string::npos);
  m.overlay.in_process_messages_total(5);
  m.overlay.verify_queue_full_total(2);
  m.overlay.verify_queue_full_total(3);  // +1
  text = m.serialize();
  CHECK(text.find("p2psip_overlay_in_process_messages_total 5") != std::string::npos);
  CHECK(text.find("p2psip_overlay_verify_queue_full_total 3") != std::string::npos);
  CHECK(text.find("p2psip_overlay_answers_refused_total{reason=\"unmatched\"} 4") !=
        std::string::npos);
  CHECK(text.find("p2psip_overlay_answers_refused_total{reason=\"wrong_sender\"} 0") !=
        std::string::npos);  // present from the start
  CHECK(text.find("p2psip_overlay_routing_table_peers 7") != std::string::npos);
  CHECK(text.find("p2psip_overlay_messages_total{code=\"join_req\",direction=\"in\"} 5") !=
        std::string::npos);
  CHECK(text.find("p2psip_overlay_messages_total{code=\"join_req\",direction=\"out\"} 1") !=
        std::string::npos);
  CHECK(text.find("p2psip_overlay_link_errors_total{reason=\"bad_certificate\"} 2") !=
        std::string::npos);
  for (int i = 0; i < 100; ++i) {
    m.overlay.messages_total("code" + std::to_string(i), OverlayDirection::kIn, 1);
  }
  text = m.serialize();
  CHECK(text.find("code99") == std::string::npos);
  CHECK(text.find("p2psip_overlay_messages_total{code=\"unknown\",direction=\"in\"}") !=
        std::string::npos);
}

namespace p2psip::metrics {

TEST_CASE("overlay storage metrics: resources by kind, store/fetch results, lookup latency") {
  Metrics m("test");
  m.overlay.stored_resources({{"sip_registration", 4}, {"7", 1}});
  m.overlay.store_total("ok", 3);
  m.overlay.store_total("forbidden", 1);
  m.overlay.fetch_total("ok", 2);
  m.overlay.fetch_total("ok", 5);
  m.overlay.lookup_duration(0.004);
  auto text = m.serialize();
  CHECK(text.find("p2psip_overlay_stored_resources{kind=\"sip_registration\"} 4") != std::string::npos);
  CHECK(text.find("p2psip_overlay_stored_resources{kind=\"7\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_overlay_store_total{result=\"ok\"} 3") != std::string::npos);
  CHECK(text.find("p2psip_overlay_store_total{result=\"forbidden\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_overlay_fetch_total{result=\"ok\"} 5") != std::string::npos);
  CHECK(text.find("p2psip_overlay_lookup_duration_seconds_count 1") != std::string::npos);
  CHECK(text.find("p2psip_overlay_lookup_duration_seconds_bucket{le=\"0.005\"} 1") != std::string::npos);
  m.overlay.stored_resources({});  // a kind that is gone drops to 0
  text = m.serialize();
  CHECK(text.find("p2psip_overlay_stored_resources{kind=\"7\"} 0") != std::string::npos);
}

}  // namespace p2psip::metrics
