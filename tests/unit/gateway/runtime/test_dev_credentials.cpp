// `p2psip gateway` with no configuration at all: the development certificate it issues itself
// is for its service AoR, so the gateway can register that AoR (USER-NODE-MATCH) instead of
// warning that it cannot; a data dir holding an older node@ certificate gets a new one.
#include <doctest/doctest.h>

#include <spdlog/sinks/null_sink.h>

#include <filesystem>

#include "gateway/config/gateway_config.h"
#include "gateway/runtime/gateway_registrations.h"
#include "gateway/runtime/overlay_credentials.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace fs = std::filesystem;

namespace {

// The gateway's configuration from the embedded defaults only, its data dir `dir`.
config::GatewayConfig default_gateway(const fs::path& dir) {
  auto settings = config::resolve_settings(config::gateway_schema(), {}, {}, {});
  REQUIRE(settings);
  config::GatewayConfig c = config::to_gateway_config(*settings);
  c.data_dir = dir.string();
  return c;
}

// The service registrations the gateway would keep with the plan's certificate.
std::size_t service_registrations(const config::GatewayConfig& c, const OverlayPlan& plan,
                                  spdlog::logger& log) {
  auto info = overlay::read_certificate(plan.node.credentials.cert);
  REQUIRE(info);
  REQUIRE(info->node_ids.size() == 1);
  auto who = overlay::Registrant::load(plan.node.credentials.cert, plan.node.credentials.key,
                                       info->user, c.overlay, info->node_ids.front());
  REQUIRE(who);
  GatewayIdentity me{info->node_ids.front(), info->user, *who};
  return plan_service_registration(c, c.sip_listen, me, log).size();
}

}  // namespace

TEST_CASE("the default gateway's development certificate is for its service AoR") {
  fs::path dir = fs::temp_directory_path() / ("p2p-devcred-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  config::GatewayConfig c = default_gateway(dir);
  REQUIRE(c.service_aor == "gateway@" + c.overlay);

  auto plan = prepare_overlay(c, *log);
  REQUIRE(plan);
  CHECK(plan->dev_credentials);
  auto info = overlay::read_certificate(plan->node.credentials.cert);
  REQUIRE(info);
  CHECK(info->user == c.service_aor);
  CHECK(service_registrations(c, *plan, *log) == 1);

  SUBCASE("a data dir from before (a node@ certificate) gets one for the service AoR") {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto old = overlay::ensure_dev_credentials(c.data_dir, c.overlay, now);  // node@<overlay>
    REQUIRE(old);
    CHECK(old->replaced_user == c.service_aor);
    CHECK(overlay::read_certificate(old->files.cert)->user == "node@" + c.overlay);
    auto again = prepare_overlay(c, *log);
    REQUIRE(again);
    CHECK(overlay::read_certificate(again->node.credentials.cert)->user == c.service_aor);
    CHECK(service_registrations(c, *again, *log) == 1);
  }
  SUBCASE("the certificate is reused while the service AoR stays") {
    auto before = overlay::read_certificate(plan->node.credentials.cert);
    auto again = prepare_overlay(c, *log);
    REQUIRE(again);
    CHECK(overlay::read_certificate(again->node.credentials.cert)->node_ids == before->node_ids);
  }
  fs::remove_all(dir);
}

}  // namespace p2psip::runtime
