#pragma once
// ADDR:PORT values as operators write them: "127.0.0.1:5060", "[::1]:5060", "0.0.0.0:9464",
// and for bootstrap peers also "peer.example.com:6084".

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::config {

struct HostPort {
  std::string host;  // IP literal without brackets, or a DNS name
  std::uint16_t port = 0;
  bool is_ipv6 = false;

  // "[::1]:5060" for IPv6, "host:port" otherwise.
  std::string to_string() const;
  bool operator==(const HostPort&) const = default;
};

enum class HostKind { kIpLiteral, kIpOrName };

// Parses ADDR:PORT. The error text says what is wrong ("port 70000 out of range 1-65535").
Expected<HostPort, std::string> parse_host_port(std::string_view text, HostKind kind);

bool is_ip_literal(std::string_view host);

}  // namespace p2psip::config
