#include <doctest/doctest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;

namespace {

Settings resolve_ok(const Layer& file, const Layer& env, const Layer& flags) {
  auto s = resolve_settings(gateway_schema(), file, env, flags);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  return std::move(s).value();
}

}  // namespace

TEST_CASE("names derive from the key") {
  CHECK(env_name("sip_listen") == "P2PSIP_SIP_LISTEN");
  CHECK(flag_name("sip_listen") == "sip-listen");
}

TEST_CASE("embedded defaults") {
  Settings s = resolve_ok({}, {}, {});
  GatewayConfig c = to_gateway_config(s);
  CHECK(c.sip_listen.to_string() == "0.0.0.0:5060");
  CHECK(c.overlay_listen.to_string() == "0.0.0.0:6084");
  CHECK(c.metrics_listen.to_string() == "0.0.0.0:9464");
  CHECK(c.bootstrap.empty());
  CHECK(c.log_level == "info");
  CHECK(s.source("sip_listen") == Source::kDefault);
}

TEST_CASE("flags win over env, env over file, file over defaults") {
  Layer file = {{"sip_listen", {"10.0.0.1:5060"}}, {"overlay", {"file.example"}},
                {"log_level", {"warn"}}};
  Layer env = {{"sip_listen", {"10.0.0.2:5060"}}, {"overlay", {"env.example"}}};
  Layer flags = {{"sip_listen", {"10.0.0.3:5060"}}};
  Settings s = resolve_ok(file, env, flags);
  CHECK(s.get("sip_listen") == "10.0.0.3:5060");
  CHECK(s.source("sip_listen") == Source::kFlag);
  CHECK(s.get("overlay") == "env.example");
  CHECK(s.source("overlay") == Source::kEnv);
  CHECK(s.get("log_level") == "warn");
  CHECK(s.source("log_level") == Source::kFile);
  CHECK(s.get("data_dir") == "p2psip-data");
}

TEST_CASE("a repeatable key from a higher layer replaces the lower list") {
  Layer file = {{"bootstrap", {"10.0.0.1:6084", "10.0.0.2:6084"}}};
  Layer flags = {{"bootstrap", {"peer.example.net:6084"}}};
  auto c = to_gateway_config(resolve_ok(file, {}, flags));
  REQUIRE(c.bootstrap.size() == 1);
  CHECK(c.bootstrap[0].host == "peer.example.net");
  CHECK(c.bootstrap[0].port == 6084);
}

TEST_CASE("YAML file layer") {
  auto layer = layer_from_yaml("sip_listen: 127.0.0.1:5070\nbootstrap:\n  - 1.2.3.4:6084\n"
                               "  - \"[::1]:6085\"\n",
                               "gw.yaml", gateway_schema());
  REQUIRE(layer.has_value());
  CHECK(layer->at("sip_listen") == std::vector<std::string>{"127.0.0.1:5070"});
  CHECK(layer->at("bootstrap").size() == 2);
  auto c = to_gateway_config(resolve_ok(*layer, {}, {}));
  CHECK(c.bootstrap[1].is_ipv6);
  CHECK(c.bootstrap[1].to_string() == "[::1]:6085");

  SUBCASE("a single bootstrap may be written as a scalar") {
    auto one = layer_from_yaml("bootstrap: 1.2.3.4:6084", "gw.yaml", gateway_schema());
    REQUIRE(one.has_value());
    CHECK(one->at("bootstrap").size() == 1);
  }
  SUBCASE("an empty file is an empty layer") {
    auto empty = layer_from_yaml("", "gw.yaml", gateway_schema());
    REQUIRE(empty.has_value());
    CHECK(empty->empty());
  }
}

TEST_CASE("YAML errors name the key") {
  auto unknown = layer_from_yaml("sip_listn: 1.2.3.4:5060", "gw.yaml", gateway_schema());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().key == "sip_listn");
  CHECK(unknown.error().to_string().find("unknown key") != std::string::npos);

  auto list_for_scalar = layer_from_yaml("overlay: [a, b]", "gw.yaml", gateway_schema());
  REQUIRE_FALSE(list_for_scalar.has_value());
  CHECK(list_for_scalar.error().key == "overlay");

  auto broken = layer_from_yaml("sip_listen: [", "gw.yaml", gateway_schema());
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().key == "config");

  auto not_map = layer_from_yaml("- a\n- b\n", "gw.yaml", gateway_schema());
  REQUIRE_FALSE(not_map.has_value());
}

TEST_CASE("environment layer") {
  std::map<std::string, std::string> env = {{"P2PSIP_BOOTSTRAP", "1.2.3.4:6084, 5.6.7.8:6084"},
                                            {"P2PSIP_LOG_LEVEL", "debug"},
                                            {"P2PSIP_CONFIG", "/etc/p2psip.yaml"},
                                            {"HOME", "/root"}};
  auto layer = layer_from_env(env, gateway_schema());
  REQUIRE(layer.has_value());
  CHECK(layer->at("bootstrap") == std::vector<std::string>{"1.2.3.4:6084", "5.6.7.8:6084"});
  CHECK(layer->at("log_level") == std::vector<std::string>{"debug"});
  CHECK(layer->count("config") == 0);

  auto typo = layer_from_env({{"P2PSIP_SIP_LISTN", "x"}}, gateway_schema());
  REQUIRE_FALSE(typo.has_value());
  CHECK(typo.error().key == "P2PSIP_SIP_LISTN");
}

TEST_CASE("validation names the key, the problem and where the value came from") {
  auto bad = resolve_settings(gateway_schema(), {}, {{"sip_listen", {"nonsense"}}}, {});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().key == "sip_listen");
  CHECK(bad.error().message.find("P2PSIP_SIP_LISTEN") != std::string::npos);

  auto port = resolve_settings(gateway_schema(), {}, {}, {{"metrics_listen", {"1.2.3.4:70000"}}});
  REQUIRE_FALSE(port.has_value());
  CHECK(port.error().key == "metrics_listen");
  CHECK(port.error().message.find("out of range") != std::string::npos);

  auto level = resolve_settings(gateway_schema(), {{"log_level", {"loud"}}}, {}, {});
  REQUIRE_FALSE(level.has_value());
  CHECK(level.error().key == "log_level");
  CHECK(level.error().message.find("config file") != std::string::npos);

  auto format = resolve_settings(peer_schema(), {}, {{"log_format", {"xml"}}}, {});
  REQUIRE_FALSE(format.has_value());
  CHECK(format.error().key == "log_format");
  for (const char* ok : {"text", "logfmt", "json"}) {
    auto good = resolve_settings(gateway_schema(), {}, {}, {{"log_format", {ok}}});
    REQUIRE(good.has_value());
    CHECK(good->get("log_format") == ok);
  }
  CHECK(resolve_settings(gateway_schema(), {}, {}, {})->get("log_format") == "text");

  auto host = resolve_settings(gateway_schema(), {}, {}, {{"sip_listen", {"gw.example:5060"}}});
  REQUIRE_FALSE(host.has_value());  // listen addresses must be IP literals

  auto two = resolve_settings(gateway_schema(), {}, {}, {{"overlay", {"a", "b"}}});
  REQUIRE_FALSE(two.has_value());
  CHECK(two.error().key == "overlay");

  auto name = resolve_settings(gateway_schema(), {}, {}, {{"overlay", {"bad name!"}}});
  REQUIRE_FALSE(name.has_value());
}

TEST_CASE("render_yaml round-trips through the YAML layer") {
  Settings s = resolve_ok({}, {}, {{"bootstrap", {"1.2.3.4:6084"}}, {"overlay", {"o.example"}}});
  std::string text = render_yaml(s, gateway_schema());
  CHECK(text.find("# command line") != std::string::npos);
  auto layer = layer_from_yaml(text, "printed", gateway_schema());
  REQUIRE(layer.has_value());
  Settings again = resolve_ok(*layer, {}, {});
  CHECK(again.list("bootstrap") == s.list("bootstrap"));
  CHECK(again.get("overlay") == "o.example");
  CHECK(again.get("sip_listen") == s.get("sip_listen"));
}
