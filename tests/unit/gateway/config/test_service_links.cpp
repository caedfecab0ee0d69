// Kubernetes service links for Services named p2psip / p2psip-gw1 are not configuration; a
// mistyped key of ours is still refused (its value has no service-link shape).
#include <doctest/doctest.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/service_links.h"
#include "gateway/config/settings.h"

namespace p2psip::config {

TEST_CASE("the variables the kubelet sets for a Service named p2psip are service links") {
  // As the kubelet writes them for a Service `p2psip` with a UDP port named sip, and for a
  // Service `p2psip-gw1` (prefix P2PSIP_GW1).
  for (auto [name, value] : {std::pair{"P2PSIP_SERVICE_HOST", "10.96.0.11"},
                             {"P2PSIP_SERVICE_PORT", "5060"},
                             {"P2PSIP_SERVICE_PORT_SIP", "5060"},
                             {"P2PSIP_SERVICE_PORT_SIP_TCP", "5060"},
                             {"P2PSIP_PORT", "udp://10.96.0.11:5060"},
                             {"P2PSIP_PORT_5060_UDP", "udp://10.96.0.11:5060"},
                             {"P2PSIP_PORT_5060_UDP_PROTO", "udp"},
                             {"P2PSIP_PORT_5060_UDP_PORT", "5060"},
                             {"P2PSIP_PORT_5060_UDP_ADDR", "10.96.0.11"},
                             {"P2PSIP_PORT_9464_TCP", "tcp://[fd00::b]:9464"},
                             {"P2PSIP_GW1_SERVICE_HOST", "fd00::b"},
                             {"P2PSIP_GW1_PORT", "tcp://10.96.0.12:9464"}}) {
    CAPTURE(name);
    CHECK(is_kubernetes_service_link(name, value));
  }
}

TEST_CASE("a name or a value without the service-link shape is not one") {
  for (auto [name, value] : {std::pair{"P2PSIP_SIP_PORT", "5060"},          // a typo of a key
                             {"P2PSIP_SERVICE_HOST", "gw1.example.com"},  // not an IP
                             {"P2PSIP_SERVICE_PORT", "99999"},
                             {"P2PSIP_PORT", "10.96.0.11:5060"},          // no scheme
                             {"P2PSIP_PORT", "http://10.96.0.11:80"},
                             {"P2PSIP_PORT_5060_UDP_PROTO", "UDP"},
                             {"P2PSIP_PORT_5060_TLS", "tcp://10.96.0.11:5060"},
                             {"P2PSIP_SIP_LISTN", "0.0.0.0:5060"},
                             {"P2PSIPX_SERVICE_HOST", "10.96.0.11"}}) {
    CAPTURE(name);
    CHECK_FALSE(is_kubernetes_service_link(name, value));
  }
}

TEST_CASE("layer_from_env ignores service links, keeps keys and refuses typos") {
  std::map<std::string, std::string> env{{"P2PSIP_PORT", "udp://10.96.0.11:5060"},
                                         {"P2PSIP_SERVICE_HOST", "10.96.0.11"},
                                         {"P2PSIP_SERVICE_PORT", "5060"},
                                         {"P2PSIP_PORT_5060_UDP", "udp://10.96.0.11:5060"},
                                         {"P2PSIP_PORT_5060_UDP_ADDR", "10.96.0.11"},
                                         {"P2PSIP_LOG_LEVEL", "debug"}};
  auto layer = layer_from_env(env, gateway_schema());
  REQUIRE(layer.has_value());
  CHECK(layer->size() == 1);
  CHECK(layer->at("log_level") == std::vector<std::string>{"debug"});
  CHECK(layer->ignored == std::vector<std::string>{"P2PSIP_PORT", "P2PSIP_PORT_5060_UDP",
                                                   "P2PSIP_PORT_5060_UDP_ADDR",
                                                   "P2PSIP_SERVICE_HOST", "P2PSIP_SERVICE_PORT"});
  auto settings = resolve_settings(gateway_schema(), {}, *layer, {});
  REQUIRE(settings.has_value());
  CHECK(settings->ignored_env() == layer->ignored);

  env["P2PSIP_SIP_PORT"] = "5060";  // a mistyped key (sip_listen) is still an error
  auto typo = layer_from_env(env, gateway_schema());
  REQUIRE_FALSE(typo.has_value());
  CHECK(typo.error().key == "P2PSIP_SIP_PORT");
}

}  // namespace p2psip::config
