// overlay_verify_on_worker: where received RELOAD messages' signatures are checked (the
// library's NodeConfig::verify_on_worker), for `p2psip gateway` and `p2psip peer` alike.
#include <doctest/doctest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"
#include "tests/unit/gateway/config/config_with.h"

using namespace p2psip::config;

using p2psip::config::test::config_with;

TEST_CASE("overlay_verify_on_worker: true by default, for the gateway and the peer") {
  auto c = config_with({}, {});
  REQUIRE(c.has_value());
  CHECK(c->verify_on_worker);
  auto peer = resolve_settings(peer_schema(), {}, {}, {});
  REQUIRE(peer.has_value());
  CHECK(to_overlay_config(*peer).verify_on_worker);
}

TEST_CASE("overlay_verify_on_worker: false from a flag or the environment, checked") {
  auto flag = config_with({}, {{"overlay_verify_on_worker", {"false"}}});
  REQUIRE(flag.has_value());
  CHECK_FALSE(flag->verify_on_worker);
  auto env = layer_from_env({{"P2PSIP_OVERLAY_VERIFY_ON_WORKER", "false"}}, peer_schema());
  REQUIRE(env.has_value());
  auto peer = resolve_settings(peer_schema(), {}, *env, {});
  REQUIRE(peer.has_value());
  CHECK_FALSE(to_overlay_config(*peer).verify_on_worker);
  auto yes = config_with({}, {{"overlay_verify_on_worker", {"true"}}});
  REQUIRE(yes.has_value());
  CHECK(yes->verify_on_worker);
  for (const char* bad : {"no", "0", "", "False"}) {
    CAPTURE(bad);
    auto e = config_with({}, {{"overlay_verify_on_worker", {bad}}});
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().key == "overlay_verify_on_worker");
  }
}
