// sip_tcp_max_connections and sip_tcp_max_per_ip (the bounds of gateway/sip/tcp_limits.h).
#include <doctest/doctest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"
#include "tests/unit/gateway/config/config_with.h"

using namespace p2psip::config;

using p2psip::config::test::config_with;

TEST_CASE("SIP connection limits: 1024 in all and 64 per address by default") {
  auto c = config_with({}, {});
  REQUIRE(c.has_value());
  CHECK(c->sip_tcp_max_connections == 1024);
  CHECK(c->sip_tcp_max_per_ip == 64);
}

TEST_CASE("SIP connection limits from the environment and flags, checked") {
  auto env = layer_from_env({{"P2PSIP_SIP_TCP_MAX_PER_IP", "500"}}, gateway_schema());
  REQUIRE(env.has_value());
  auto c = config_with(*env, {{"sip_tcp_max_connections", {"20000"}}});
  REQUIRE(c.has_value());
  CHECK(c->sip_tcp_max_per_ip == 500);
  CHECK(c->sip_tcp_max_connections == 20000);
  for (const char* key : {"sip_tcp_max_connections", "sip_tcp_max_per_ip"}) {
    for (const char* bad : {"0", "-1", "many", "10k", "", "1000001", "99999999999"}) {
      CAPTURE(key);
      CAPTURE(bad);
      auto e = config_with({}, {{key, {bad}}});
      REQUIRE_FALSE(e.has_value());
      CHECK(e.error().key == key);
    }
  }
}
