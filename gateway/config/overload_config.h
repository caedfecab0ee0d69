#pragma once
// The keys of the gateway's admission control (gateway/sip/overload.h): the per-source limit
// and the overload guard's limits. Kept apart from gateway_config.cpp's other keys.

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/config/settings.h"

namespace p2psip::config {

struct OverloadConfig {
  double source_rate = 50;      // initial requests/s per source outside trusted_network; 0: off
  double source_burst = 100;
  std::uint32_t max_queue_delay_ms = 100;  // standing wait in the SIP UDP queue; 0: not used
  std::uint32_t max_udp_backlog_percent = 50;  // 0: not used
  std::uint32_t max_loop_lag_ms = 200;     // 0: not used
  std::uint32_t max_transactions = 5000;   // 0: not used
  std::uint32_t max_lookups = 200;         // 0: not used
  std::uint32_t retry_after = 2;           // seconds, in the 503
  // Receive buffer asked for the SIP UDP sockets (bytes, before the kernel's doubling; capped
  // at net.core.rmem_max); 0: the kernel's default.
  std::uint32_t udp_receive_buffer = 4u << 20;
};

// The keys, in the order --print-config shows them.
Schema overload_keys();
OverloadConfig to_overload_config(const Settings& s);

// A whole number from `min` to `max`.
std::optional<std::string> check_count(const std::string& value, unsigned long min, unsigned long max);

}  // namespace p2psip::config
