#pragma once
// The gateway's typed configuration and the schema its keys come from.

#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/config/host_port.h"
#include "gateway/config/settings.h"

namespace p2psip::config {

struct GatewayConfig {
  HostPort sip_listen;
  HostPort overlay_listen;
  HostPort metrics_listen;
  std::vector<HostPort> bootstrap;
  std::vector<HostPort> dns_servers;  // empty: /etc/resolv.conf
  std::string overlay;
  std::string data_dir;
  std::string log_level;
};

// Every key `p2psip gateway` understands, with defaults, help and validation.
const Schema& gateway_schema();

// Converts validated settings (resolve_settings with gateway_schema()) into typed values.
GatewayConfig to_gateway_config(const Settings& settings);

// Checks shared by several schemas.
std::optional<std::string> check_listen_address(const std::string& value);
std::optional<std::string> check_peer_address(const std::string& value);
std::optional<std::string> check_overlay_name(const std::string& value);
std::optional<std::string> check_log_level(const std::string& value);

}  // namespace p2psip::config
