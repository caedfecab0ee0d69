#include <doctest/doctest.h>

#include "gateway/router/cidr.h"

using p2psip::router::Cidr;

TEST_CASE("CIDR parse and contains, IPv4") {
  auto net = Cidr::parse("10.1.0.0/16");
  REQUIRE(net);
  CHECK(net->contains("10.1.255.3"));
  CHECK_FALSE(net->contains("10.2.0.1"));
  auto host = Cidr::parse("127.0.0.1");
  REQUIRE(host);
  CHECK(host->contains("127.0.0.1"));
  CHECK_FALSE(host->contains("127.0.0.2"));
  auto odd = Cidr::parse("192.168.1.128/25");
  CHECK(odd->contains("192.168.1.200"));
  CHECK_FALSE(odd->contains("192.168.1.100"));
  CHECK(Cidr::parse("0.0.0.0/0")->contains("203.0.113.5"));
}

TEST_CASE("CIDR IPv6 and family mismatch") {
  auto net = Cidr::parse("2001:db8::/32");
  REQUIRE(net);
  CHECK(net->contains("2001:db8:1::5"));
  CHECK_FALSE(net->contains("2001:db9::5"));
  CHECK_FALSE(net->contains("10.0.0.1"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/8")->contains("::1"));
}

TEST_CASE("CIDR rejects junk") {
  CHECK_FALSE(Cidr::parse(""));
  CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/8x"));
  CHECK_FALSE(Cidr::parse("example.com/8"));
  CHECK_FALSE(Cidr::parse("::1/129"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/8")->contains("not-an-ip"));
}
