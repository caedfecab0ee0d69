#include <doctest/doctest.h>

#include <array>
#include <cstdint>

#include "gateway/config/cidr.h"

using namespace p2psip::config;

namespace {

Cidr cidr(const char* text) {
  auto c = Cidr::parse(text);
  REQUIRE_MESSAGE(c.has_value(), text);
  return *c;
}

}  // namespace

TEST_CASE("IPv4 networks") {
  Cidr net = cidr("10.1.0.0/16");
  CHECK_FALSE(net.is_ipv6());
  CHECK(net.prefix_length() == 16);
  CHECK(net.contains("10.1.0.0"));
  CHECK(net.contains("10.1.255.255"));
  CHECK_FALSE(net.contains("10.2.0.1"));
  CHECK_FALSE(net.contains("9.255.255.255"));
  CHECK(net.to_string() == "10.1.0.0/16");

  Cidr odd = cidr("192.168.1.128/25");  // prefix not on a byte boundary
  CHECK(odd.contains("192.168.1.200"));
  CHECK_FALSE(odd.contains("192.168.1.127"));

  CHECK(cidr("0.0.0.0/0").contains("203.0.113.9"));
  Cidr host = cidr("192.0.2.7");
  CHECK(host.prefix_length() == 32);
  CHECK(host.contains("192.0.2.7"));
  CHECK_FALSE(host.contains("192.0.2.8"));
}

TEST_CASE("IPv6 networks") {
  Cidr net = cidr("2001:db8::/32");
  CHECK(net.is_ipv6());
  CHECK(net.contains("2001:db8:ffff::1"));
  CHECK_FALSE(net.contains("2001:db9::1"));
  CHECK_FALSE(net.contains("10.0.0.1"));  // other family
  CHECK(cidr("::1").contains("::1"));
  CHECK(cidr("::1").prefix_length() == 128);
  CHECK(cidr("fe80::/10").contains("febf::1"));
  CHECK_FALSE(cidr("fe80::/10").contains("fec0::1"));
  CHECK(cidr("2001:DB8:0:0::/64").to_string() == "2001:db8::/64");
}

TEST_CASE("an IPv4 network contains the IPv4-mapped IPv6 form of its addresses") {
  Cidr net = cidr("10.0.0.0/8");
  CHECK(net.contains("::ffff:10.9.8.7"));
  CHECK_FALSE(net.contains("::ffff:11.0.0.1"));
  CHECK_FALSE(cidr("::/0").contains("10.0.0.1"));  // an IPv6 network holds no IPv4 bytes
  CHECK_FALSE(net.contains("::1"));                 // nor an IPv4 network an IPv6 address
}

TEST_CASE("contains() on raw bytes") {
  Cidr net = cidr("172.16.0.0/12");
  std::array<std::uint8_t, 4> inside{172, 31, 1, 1};
  std::array<std::uint8_t, 4> outside{172, 32, 0, 1};
  CHECK(net.contains(inside));
  CHECK_FALSE(net.contains(outside));
  std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 16, 0, 1};
  CHECK(net.contains(mapped));
  std::array<std::uint8_t, 3> short_bytes{172, 16, 0};
  CHECK_FALSE(net.contains(short_bytes));
}

TEST_CASE("bad networks are rejected with a reason") {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x",
                          "2001:db8::/129", "example.com/24", "10.0.0/8", "[::1]/128",
                          "10.0.0.0/8/8", "1.2.3.4 /32"}) {
    CAPTURE(bad);
    auto c = Cidr::parse(bad);
    CHECK_FALSE(c.has_value());
    if (!c) CHECK_FALSE(c.error().empty());
  }
  CHECK_FALSE(cidr("1.2.3.4").contains("not an ip"));
  CHECK_FALSE(cidr("1.2.3.4").contains(""));
}

TEST_CASE("host bits below the prefix are an error that suggests the network") {
  auto c = Cidr::parse("10.0.0.1/8");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().find("10.0.0.0/8") != std::string::npos);
  auto v6 = Cidr::parse("2001:db8::1/64");
  REQUIRE_FALSE(v6.has_value());
  CHECK(v6.error().find("2001:db8::/64") != std::string::npos);
}
