#include <doctest/doctest.h>

#include <string>

#include "gateway/config/dns_records.h"

using namespace p2psip::config;

namespace {

HostPort hp(const char* text) {
  auto r = parse_host_port(text, HostKind::kIpOrName);
  REQUIRE(r.has_value());
  return *r;
}

std::string render(const DnsRecordsRequest& r) {
  auto text = render_dns_records(r);
  REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error()));
  return *text;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("one gateway, default transports: NAPTR udp then tcp, SRV each, one A") {
  DnsRecordsRequest r;
  r.domain = "p2p.example.com.";
  r.gateways = {hp("10.0.0.5:5070")};
  r.ttl = 300;
  std::string text = render(r);
  CHECK(has_line(text, "p2p.example.com. 300 IN NAPTR 10 0 \"s\" \"SIP+D2U\" \"\" _sip._udp.p2p.example.com."));
  CHECK(has_line(text, "p2p.example.com. 300 IN NAPTR 20 0 \"s\" \"SIP+D2T\" \"\" _sip._tcp.p2p.example.com."));
  CHECK(has_line(text, "_sip._udp.p2p.example.com. 300 IN SRV 10 100 5070 gw1.p2p.example.com."));
  CHECK(has_line(text, "_sip._tcp.p2p.example.com. 300 IN SRV 10 100 5070 gw1.p2p.example.com."));
  CHECK(text.ends_with("\ngw1.p2p.example.com. 300 IN A 10.0.0.5\n"));
  CHECK(text.find("SIPS") == std::string::npos);
}

TEST_CASE("several gateways: equal priority and weight; IPv6 gets AAAA; names pass through") {
  DnsRecordsRequest r;
  r.domain = "d.example";
  r.gateways = {hp("192.0.2.1:5060"), hp("[2001:db8::2]:5062"), hp("sip.carrier.example:5080"),
                hp("192.0.2.1:5064")};
  r.transports = {SipTransport::kTcp, SipTransport::kTls};
  r.tls_port = 5061;
  std::string text = render(r);
  CHECK(has_line(text, "d.example. 3600 IN NAPTR 10 0 \"s\" \"SIP+D2T\" \"\" _sip._tcp.d.example."));
  CHECK(has_line(text, "d.example. 3600 IN NAPTR 20 0 \"s\" \"SIPS+D2T\" \"\" _sips._tcp.d.example."));
  CHECK(has_line(text, "_sip._tcp.d.example. 3600 IN SRV 10 25 5060 gw1.d.example."));
  CHECK(has_line(text, "_sip._tcp.d.example. 3600 IN SRV 10 25 5062 gw2.d.example."));
  CHECK(has_line(text, "_sip._tcp.d.example. 3600 IN SRV 10 25 5080 sip.carrier.example."));
  CHECK(has_line(text, "_sip._tcp.d.example. 3600 IN SRV 10 25 5064 gw1.d.example."));
  CHECK(has_line(text, "_sips._tcp.d.example. 3600 IN SRV 10 25 5061 gw2.d.example."));
  CHECK(has_line(text, "gw1.d.example. 3600 IN A 192.0.2.1"));
  CHECK(has_line(text, "gw2.d.example. 3600 IN AAAA 2001:db8::2"));
  CHECK(text.find("; sip.carrier.example. needs its own A/AAAA") != std::string::npos);
  CHECK(text.find("_sip._udp") == std::string::npos);
  // gw1 appears once as an A record although two gateways share its address.
  CHECK(text.find("IN A 192.0.2.1") == text.rfind("IN A 192.0.2.1"));
}

TEST_CASE("transports list") {
  auto t = parse_transports("tls,udp");
  REQUIRE(t.has_value());
  CHECK(*t == std::vector<SipTransport>{SipTransport::kTls, SipTransport::kUdp});
  for (const char* bad : {"", "udp,udp", "sctp", "udp,,tcp", "UDP"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_transports(bad).has_value());
  }
}

TEST_CASE("bad requests") {
  DnsRecordsRequest r;
  r.domain = "bad domain";
  r.gateways = {hp("10.0.0.1:5060")};
  CHECK_FALSE(render_dns_records(r).has_value());
  r.domain = "ok.example";
  r.gateways.clear();
  CHECK_FALSE(render_dns_records(r).has_value());
  r.gateways = {hp("10.0.0.1:5060")};
  r.transports.clear();
  CHECK_FALSE(render_dns_records(r).has_value());
}
