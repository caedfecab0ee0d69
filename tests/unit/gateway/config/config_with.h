#pragma once
// Test helper: the gateway configuration from environment and flag layers (no YAML).
#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

namespace p2psip::config::test {

inline Expected<GatewayConfig, ConfigError> config_with(const Layer& env, const Layer& flags) {
  auto s = resolve_settings(gateway_schema(), {}, env, flags);
  if (!s) return unexpected(s.error());
  return to_gateway_config(*s);
}

}  // namespace p2psip::config::test
