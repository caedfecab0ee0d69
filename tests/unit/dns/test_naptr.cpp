#include <doctest/doctest.h>

#include "dns/naptr.h"

using namespace p2psip::dns;

namespace {
NaptrRecord rec(std::uint16_t order, std::uint16_t pref, std::string service, std::string repl,
                std::string flags = "s", std::string regexp = "") {
  return NaptrRecord{order, pref, std::move(flags), std::move(service), std::move(regexp),
                     std::move(repl)};
}
}  // namespace

TEST_CASE("naptr: service mapping, case-insensitive; unsupported ones are nullopt") {
  CHECK(*naptr_transport("SIP+D2U") == Transport::udp);
  CHECK(*naptr_transport("sip+d2t") == Transport::tcp);
  CHECK(*naptr_transport("SIPS+D2T") == Transport::tls);
  for (const char* s : {"SIP+D2S", "SIPS+D2U", "SIPS+D2S", "E2U+sip", "", "SIP", "+D2U",
                        "x-weird\xff"}) {
    CAPTURE(s);
    CHECK_FALSE(naptr_transport(s));
  }
}

TEST_CASE("naptr: RFC 3263 §4.1 example, order then preference") {
  std::vector<NaptrRecord> rs = {
      rec(100, 50, "SIP+D2U", "_sip._udp.example.com"),
      rec(90, 50, "SIP+D2T", "_sip._tcp.example.com"),
      rec(50, 50, "SIPS+D2T", "_sips._tcp.example.com."),
  };
  auto c = select_naptr(rs, false);
  REQUIRE(c.size() == 3);
  CHECK(c[0].transport == Transport::tls);
  CHECK(c[0].srv_name == "_sips._tcp.example.com");
  CHECK(c[1].transport == Transport::tcp);
  CHECK(c[2].transport == Transport::udp);
}

TEST_CASE("naptr: preference breaks ties within one order") {
  std::vector<NaptrRecord> rs = {rec(10, 20, "SIP+D2U", "_sip._udp.a"),
                                 rec(10, 10, "SIP+D2T", "_sip._tcp.a")};
  auto c = select_naptr(rs, false);
  REQUIRE(c.size() == 2);
  CHECK(c[0].transport == Transport::tcp);
}

TEST_CASE("naptr: sips URI keeps only SIPS services") {
  std::vector<NaptrRecord> rs = {rec(10, 10, "SIP+D2U", "_sip._udp.a"),
                                 rec(20, 10, "SIPS+D2T", "_sips._tcp.a")};
  auto c = select_naptr(rs, true);
  REQUIRE(c.size() == 1);
  CHECK(c[0].transport == Transport::tls);
}

TEST_CASE("naptr: non-SIP and malformed records are skipped, never fatal (trap)") {
  std::vector<NaptrRecord> rs = {
      rec(1, 1, "E2U+sip", "", "u", "!^.*$!sip:info@example.com!"),
      rec(2, 1, "SIP+D2S", "_sip._sctp.a"),
      rec(3, 1, "SIP+D2U", "_sip._udp.a", "a"),             // wrong flag
      rec(4, 1, "SIP+D2U", "", "s"),                          // empty replacement
      rec(5, 1, "SIP+D2U", "_sip._udp.a", "s", "!x!y!"),     // regexp not allowed
      rec(6, 1, "http+I2R", "www.a"),
      rec(7, 1, "SIP+D2T", "_sip._tcp.a", "S"),               // uppercase flag ok
  };
  auto c = select_naptr(rs, false);
  REQUIRE(c.size() == 1);
  CHECK(c[0].transport == Transport::tcp);
  CHECK(select_naptr({}, false).empty());
}

TEST_CASE("naptr: duplicates collapse, equal keys keep server order") {
  std::vector<NaptrRecord> rs = {rec(10, 10, "SIP+D2U", "_sip._udp.b"),
                                 rec(10, 10, "SIP+D2U", "_sip._udp.a"),
                                 rec(20, 10, "SIP+D2U", "_SIP._UDP.B.")};
  auto c = select_naptr(rs, false);
  REQUIRE(c.size() == 2);
  CHECK(c[0].srv_name == "_sip._udp.b");
  CHECK(c[1].srv_name == "_sip._udp.a");
}
