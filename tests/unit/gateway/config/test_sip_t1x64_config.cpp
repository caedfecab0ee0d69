// sip_t1x64_ms: nta's 64*T1 (gateway/sip/sip_timers.h), RFC 3261's 64*T1 unless set.
#include <doctest/doctest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"
#include "tests/unit/gateway/config/config_with.h"
#include "gateway/sip/sip_timers.h"

using namespace p2psip::config;

using p2psip::config::test::config_with;

TEST_CASE("sip_t1x64_ms: unset by default, so nta gets 64*T1 (RFC 3261)") {
  auto c = config_with({}, {});
  REQUIRE(c.has_value());
  CHECK(c->sip_t1x64_ms == 0);
  CHECK(p2psip::sip::t1x64_ms(c->sip_t1_ms, c->sip_t1x64_ms) == 32000);
  auto t1 = config_with({}, {{"sip_t1_ms", {"250"}}});
  REQUIRE(t1.has_value());
  CHECK(p2psip::sip::t1x64_ms(t1->sip_t1_ms, t1->sip_t1x64_ms) == 16000);
}

TEST_CASE("sip_t1x64_ms from the environment and flags replaces 64*T1, checked") {
  auto env = layer_from_env({{"P2PSIP_SIP_T1X64_MS", "5000"}}, gateway_schema());
  REQUIRE(env.has_value());
  auto c = config_with(*env, {});
  REQUIRE(c.has_value());
  CHECK(c->sip_t1x64_ms == 5000);
  CHECK(p2psip::sip::t1x64_ms(c->sip_t1_ms, c->sip_t1x64_ms) == 5000);
  auto f = config_with(*env, {{"sip_t1x64_ms", {"1000"}}});
  REQUIRE(f.has_value());
  CHECK(f->sip_t1x64_ms == 1000);
  for (const char* bad : {"0", "999", "-1", "5s", "640001", "99999999999"}) {
    CAPTURE(bad);
    auto e = config_with({}, {{"sip_t1x64_ms", {bad}}});
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().key == "sip_t1x64_ms");
  }
}
