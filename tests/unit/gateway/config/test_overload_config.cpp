// The admission-control keys of `p2psip gateway` (overload_config.h): defaults, values from
// YAML, bad values naming the key.
#include <doctest/doctest.h>

#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;

namespace {

p2psip::Expected<Settings, ConfigError> from_yaml(const std::string& yaml) {
  auto layer = layer_from_yaml(yaml, "gw.yaml", gateway_schema());
  if (!layer) return p2psip::unexpected(layer.error());
  return resolve_settings(gateway_schema(), *layer, {}, {});
}

}  // namespace

TEST_CASE("overload keys: defaults") {
  auto s = from_yaml("");
  REQUIRE(s);
  OverloadConfig c = to_gateway_config(*s).overload;
  CHECK(c.source_rate == 50);
  CHECK(c.source_burst == 100);
  CHECK(c.max_udp_backlog_percent == 50);
  CHECK(c.max_queue_delay_ms == 100);
  CHECK(c.max_loop_lag_ms == 200);
  CHECK(c.max_transactions == 5000);
  CHECK(c.max_lookups == 200);
  CHECK(c.retry_after == 2);
  CHECK(c.udp_receive_buffer == 4194304);
}

TEST_CASE("overload keys: from YAML, 0 turns a limit off") {
  auto s = from_yaml("sip_source_rate: 0\nsip_source_burst: 7\noverload_max_udp_backlog_percent: 80\n"
                     "overload_max_loop_lag_ms: 0\noverload_max_transactions: 10\n"
                     "overload_max_lookups: 3\noverload_retry_after: 30\n"
                     "sip_udp_receive_buffer: 0\noverload_max_queue_delay_ms: 0\n");
  REQUIRE(s);
  OverloadConfig c = to_gateway_config(*s).overload;
  CHECK(c.source_rate == 0);
  CHECK(c.source_burst == 7);
  CHECK(c.max_udp_backlog_percent == 80);
  CHECK(c.max_loop_lag_ms == 0);
  CHECK(c.max_transactions == 10);
  CHECK(c.max_lookups == 3);
  CHECK(c.retry_after == 30);
  CHECK(c.udp_receive_buffer == 0);
  CHECK(c.max_queue_delay_ms == 0);
}

TEST_CASE("overload keys: bad values name the key") {
  for (const char* yaml : {"sip_source_burst: 0\n", "sip_source_rate: -1\n", "sip_source_rate: fast\n",
                           "overload_max_udp_backlog_percent: 101\n", "overload_retry_after: 0\n",
                           "sip_udp_receive_buffer: 2000000000\n",
                           "overload_max_queue_delay_ms: 60001\n"}) {
    auto s = from_yaml(yaml);
    REQUIRE_FALSE(s);
    std::string key = std::string(yaml).substr(0, std::string(yaml).find(':'));
    CHECK(s.error().key == key);
  }
}
