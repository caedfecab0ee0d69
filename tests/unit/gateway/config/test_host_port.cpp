#include <doctest/doctest.h>

#include "gateway/config/host_port.h"

using namespace p2psip::config;

TEST_CASE("parse_host_port accepts the forms operators write") {
  auto v4 = parse_host_port("127.0.0.1:5060", HostKind::kIpLiteral);
  REQUIRE(v4.has_value());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 5060);
  CHECK_FALSE(v4->is_ipv6);

  auto v6 = parse_host_port("[2001:db8::1]:6084", HostKind::kIpLiteral);
  REQUIRE(v6.has_value());
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->is_ipv6);
  CHECK(v6->to_string() == "[2001:db8::1]:6084");

  auto name = parse_host_port("peer-1.example.net:6084", HostKind::kIpOrName);
  REQUIRE(name.has_value());
  CHECK(name->host == "peer-1.example.net");
}

TEST_CASE("parse_host_port rejects with a reason") {
  for (const char* bad : {"", "5060", "1.2.3.4", "1.2.3.4:", "1.2.3.4:x", "1.2.3.4:0",
                          "1.2.3.4:65536", "::1:5060", "[::1]5060", "[zz::1]:5060",
                          "[::1]:", "bad_host:5060", "a..b:5060"}) {
    CAPTURE(bad);
    auto r = parse_host_port(bad, HostKind::kIpOrName);
    CHECK_FALSE(r.has_value());
    if (!r) CHECK_FALSE(r.error().empty());
  }
  CHECK_FALSE(parse_host_port("gw.example:5060", HostKind::kIpLiteral).has_value());
}
