// prepare_overlay: the library's NodeConfig from a process's overlay configuration.
#include <doctest/doctest.h>

#include <spdlog/sinks/null_sink.h>

#include "gateway/config/gateway_config.h"
#include "gateway/runtime/overlay_credentials.h"

namespace p2psip::runtime {

TEST_CASE("prepare_overlay hands overlay_verify_on_worker to the library's NodeConfig") {
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto settings = config::resolve_settings(config::peer_schema(), {}, {},
                                           {{"overlay_listen", {"127.0.0.1:6084"}},
                                            {"cert", {"n.crt"}}, {"key", {"n.key"}},
                                            {"ca", {"ca.crt"}}});
  REQUIRE(settings);
  config::OverlayConfig c = config::to_overlay_config(*settings);
  auto plan = prepare_overlay(c, *log);  // the three paths are only read by Node::create
  REQUIRE(plan);
  CHECK(plan->node.verify_on_worker);
  c.verify_on_worker = false;
  plan = prepare_overlay(c, *log);
  REQUIRE(plan);
  CHECK_FALSE(plan->node.verify_on_worker);
}

}  // namespace p2psip::runtime
