#include <doctest/doctest.h>

#include "dns/sip_uri.h"

using namespace p2psip::dns;

TEST_CASE("sip_uri: host, user, scheme") {
  auto t = parse_sip_uri("sip:alice@Example.COM");
  REQUIRE(t);
  CHECK_FALSE(t->secure);
  CHECK(t->host == "example.com");
  CHECK(t->kind == HostKind::name);
  CHECK_FALSE(t->port);
  CHECK_FALSE(t->transport);
  CHECK_FALSE(fixed_transport(*t));  // NAPTR decides

  auto s = parse_sip_uri("SIPS:example.com.");
  REQUIRE(s);
  CHECK(s->secure);
  CHECK(s->host == "example.com");
}

TEST_CASE("sip_uri: port and transport parameter") {
  auto t = parse_sip_uri("sip:bob@example.com:5070;transport=TCP;lr");
  REQUIRE(t);
  CHECK(*t->port == 5070);
  CHECK(*t->transport == Transport::tcp);
  auto u = parse_sip_uri("sip:example.com:5080");
  REQUIRE(u);
  CHECK(*fixed_transport(*u) == Transport::udp);  // explicit port: UDP for sip
  auto s = parse_sip_uri("sips:example.com:5081");
  REQUIRE(s);
  CHECK(*fixed_transport(*s) == Transport::tls);  // explicit port: TLS over TCP for sips
  auto st = parse_sip_uri("sips:example.com;transport=tcp");
  REQUIRE(st);
  CHECK(*st->transport == Transport::tls);
  auto tls = parse_sip_uri("sip:example.com;transport=tls");
  REQUIRE(tls);
  CHECK(*tls->transport == Transport::tls);
}

TEST_CASE("sip_uri: user part may contain ';' and '?' before '@'") {
  auto t = parse_sip_uri("sip:+1555;phone-context=x?y@gw.example.net;transport=udp?subject=hi");
  REQUIRE(t);
  CHECK(t->host == "gw.example.net");
  CHECK(*t->transport == Transport::udp);
}

TEST_CASE("sip_uri: numeric hosts") {
  auto v4 = parse_sip_uri("sip:192.0.2.10:5070;transport=tcp");
  REQUIRE(v4);
  CHECK(v4->kind == HostKind::ipv4);
  auto v6 = parse_sip_uri("sip:carol@[2001:DB8::1]:5062");
  REQUIRE(v6);
  CHECK(v6->kind == HostKind::ipv6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(*v6->port == 5062);
  auto v6np = parse_sip_uri("sips:[::1]");
  REQUIRE(v6np);
  CHECK(*fixed_transport(*v6np) == Transport::tls);
  auto v4np = parse_sip_uri("sip:192.0.2.1");
  REQUIRE(v4np);
  CHECK(*fixed_transport(*v4np) == Transport::udp);
}

TEST_CASE("sip_uri: maddr overrides the host") {
  auto t = parse_sip_uri("sip:alice@example.com;maddr=proxy.example.net");
  REQUIRE(t);
  CHECK(t->host == "proxy.example.net");
  auto n = parse_sip_uri("sip:alice@example.com:5070;maddr=[2001:db8::9]");
  REQUIRE(n);
  CHECK(n->kind == HostKind::ipv6);
  CHECK(n->host == "2001:db8::9");
  CHECK(*n->port == 5070);
}

TEST_CASE("sip_uri: rejects") {
  for (const char* bad : {"", "example.com", "tel:+15551234", "http://x", "sip:", "sip:@",
                          "sip:[2001:db8::1", "sip:[zz]", "sip:host:0", "sip:host:65536",
                          "sip:host:50a", "sip:host;transport=sctp", "sips:host;transport=udp",
                          "sip:ho st", "sip:host:5060x", "sip:a@b;maddr=bad host"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_sip_uri(bad));
  }
}
