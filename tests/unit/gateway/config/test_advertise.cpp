// The advertised addresses (sip_advertise, overlay_advertise): parsing HOST[:PORT], the choice
// for a listener on the any-address, and the keys with registration_lifetime.
#include <doctest/doctest.h>

#include "gateway/config/advertise.h"
#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;
using p2psip::Expected;

namespace {

const std::vector<InterfaceAddress> kHost = {
    {"127.0.0.1", false, true},  {"::1", true, true},        {"169.254.9.9", false, false},
    {"fe80::1", true, false},    {"192.0.2.2", false, false}, {"2001:db8::2", true, false},
    {"198.51.100.7", false, false}};

Expected<Settings, ConfigError> settings(const Layer& flags) {
  return resolve_settings(gateway_schema(), {}, {}, flags);
}

}  // namespace

TEST_CASE("parse_advertise: HOST[:PORT], the port defaulting to the listen port") {
  CHECK(parse_advertise("gw.example.net", 5070).value() == HostPort{"gw.example.net", 5070});
  CHECK(parse_advertise("gw.example.net:15060", 5070).value() == HostPort{"gw.example.net", 15060});
  CHECK(parse_advertise("203.0.113.5", 5060).value() == HostPort{"203.0.113.5", 5060});
  CHECK(parse_advertise("203.0.113.5:6000", 5060).value() == HostPort{"203.0.113.5", 6000});
  CHECK(parse_advertise("[2001:db8::5]:6000", 5060).value() == HostPort{"2001:db8::5", 6000, true});
  CHECK(parse_advertise("[2001:db8::5]", 5060).value() == HostPort{"2001:db8::5", 5060, true});
  CHECK(parse_advertise("2001:db8::5", 5060).value() == HostPort{"2001:db8::5", 5060, true});
  CHECK_FALSE(parse_advertise("", 5060));
  CHECK_FALSE(parse_advertise("gw.example.net:0", 5060));
  CHECK_FALSE(parse_advertise("bad host:5060", 5060));
  CHECK(parse_advertise("0.0.0.0:5060", 5060).error().find("any-address") != std::string::npos);
  CHECK_FALSE(parse_advertise("[::]", 5060));
}

TEST_CASE("resolve_advertise: an explicit value wins, a concrete listen address is kept") {
  HostPort any{"0.0.0.0", 5060};
  HostPort given{"gw.example.net", 15060};
  auto a = resolve_advertise(any, given, kHost, "sip_advertise");
  CHECK(a.address == given);
  CHECK(a.warning.empty());
  HostPort concrete{"10.1.2.3", 5070};
  auto b = resolve_advertise(concrete, std::nullopt, kHost, "sip_advertise");
  CHECK(b.address == concrete);
  CHECK(b.warning.empty());
}

TEST_CASE("resolve_advertise: the any-address picks the first usable interface and warns") {
  auto v4 = resolve_advertise({"0.0.0.0", 5060}, std::nullopt, kHost, "sip_advertise");
  CHECK(v4.address == HostPort{"192.0.2.2", 5060});  // not loopback, not link-local
  CHECK(v4.warning.find("192.0.2.2:5060") != std::string::npos);
  CHECK(v4.warning.find("sip_advertise") != std::string::npos);

  auto v6 = resolve_advertise({"::", 6084, true}, std::nullopt, kHost, "overlay_advertise");
  CHECK(v6.address == HostPort{"2001:db8::2", 6084, true});
  CHECK(v6.warning.find("overlay_advertise") != std::string::npos);

  std::vector<InterfaceAddress> v4_only = {{"127.0.0.1", false, true}, {"10.9.8.7", false, false}};
  auto dual = resolve_advertise({"::", 5060, true}, std::nullopt, v4_only, "sip_advertise");
  CHECK(dual.address == HostPort{"10.9.8.7", 5060});  // :: takes IPv4 too (dual stack)
}

TEST_CASE("resolve_advertise: only loopback up: loopback, with a warning saying so") {
  std::vector<InterfaceAddress> lo = {{"127.0.0.1", false, true}, {"::1", true, true},
                                      {"fe80::1", true, false}};
  auto v4 = resolve_advertise({"0.0.0.0", 5060}, std::nullopt, lo, "sip_advertise");
  CHECK(v4.address == HostPort{"127.0.0.1", 5060});
  CHECK(v4.warning.find("only this host") != std::string::npos);
  auto v6 = resolve_advertise({"::", 5060, true}, std::nullopt, {}, "sip_advertise");
  CHECK(v6.address == HostPort{"::1", 5060, true});
  CHECK_FALSE(v6.warning.empty());
}

TEST_CASE("sip_advertise, overlay_advertise and registration_lifetime keys") {
  auto d = settings({});
  REQUIRE(d);
  GatewayConfig c = to_gateway_config(*d);
  CHECK_FALSE(c.sip_advertise.has_value());
  CHECK(c.overlay_advertise.empty());
  CHECK(c.registration_lifetime == 3600);

  auto s = settings({{"sip_listen", {"0.0.0.0:5070"}},
                     {"sip_advertise", {"gw.example.net"}},
                     {"overlay_advertise", {"192.0.2.9"}},
                     {"registration_lifetime", {"600"}}});
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  c = to_gateway_config(*s);
  REQUIRE(c.sip_advertise.has_value());
  CHECK(*c.sip_advertise == HostPort{"gw.example.net", 5070});  // sip_listen's port
  CHECK(c.overlay_advertise == "192.0.2.9");
  CHECK(c.registration_lifetime == 600);

  auto env = layer_from_env({{"P2PSIP_SIP_ADVERTISE", "[2001:db8::1]:5080"},
                             {"P2PSIP_REGISTRATION_LIFETIME", "120"}},
                            gateway_schema());
  REQUIRE(env);
  auto e = resolve_settings(gateway_schema(), {}, *env, {});
  REQUIRE(e);
  c = to_gateway_config(*e);
  CHECK(*c.sip_advertise == HostPort{"2001:db8::1", 5080, true});
  CHECK(c.registration_lifetime == 120);

  CHECK(settings({{"sip_advertise", {"0.0.0.0"}}}).error().key == "sip_advertise");
  CHECK(settings({{"overlay_advertise", {"192.0.2.9:6084"}}}).error().key == "overlay_advertise");
  CHECK(settings({{"overlay_advertise", {"::"}}}).error().key == "overlay_advertise");
  CHECK(settings({{"registration_lifetime", {"5"}}}).error().key == "registration_lifetime");
  CHECK(settings({{"registration_lifetime", {"1h"}}}).error().key == "registration_lifetime");
  CHECK(settings({{"registration_lifetime", {"604801"}}}).error().key == "registration_lifetime");
  CHECK(settings({{"registration_lifetime", {"604800"}}}).has_value());
}
