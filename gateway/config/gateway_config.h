#pragma once
// The gateway's typed configuration and the schema its keys come from.

#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/config/host_port.h"
#include "gateway/config/settings.h"

namespace p2psip::config {

// The overlay node part, shared by `p2psip peer` and `p2psip gateway` (same keys, same flags).
struct OverlayConfig {
  HostPort overlay_listen;
  HostPort metrics_listen;
  std::vector<HostPort> bootstrap;
  std::string overlay;
  std::string cert;  // PEM file paths; all three empty: the development CA in data_dir
  std::string key;
  std::string ca;
  std::string data_dir;
  std::string log_level;
};

struct GatewayConfig : OverlayConfig {
  HostPort sip_listen;
  std::vector<HostPort> dns_servers;  // empty: /etc/resolv.conf
};

// Every key `p2psip gateway` understands, with defaults, help and validation.
const Schema& gateway_schema();
// Every key `p2psip peer` understands: the overlay part of gateway_schema().
const Schema& peer_schema();

// Converts validated settings (resolve_settings with gateway_schema()) into typed values.
GatewayConfig to_gateway_config(const Settings& settings);
// The same for peer_schema() (or the overlay part of gateway settings).
OverlayConfig to_overlay_config(const Settings& settings);

// Checks shared by several schemas.
std::optional<std::string> check_listen_address(const std::string& value);
std::optional<std::string> check_peer_address(const std::string& value);
std::optional<std::string> check_overlay_name(const std::string& value);
std::optional<std::string> check_log_level(const std::string& value);

}  // namespace p2psip::config
