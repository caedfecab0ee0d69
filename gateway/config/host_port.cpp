#include "gateway/config/host_port.h"

#include <arpa/inet.h>

#include <charconv>

namespace p2psip::config {

namespace {

bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

Expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return unexpected("port '" + std::string(text) + "' is not a number");
  }
  if (value < 1 || value > 65535) {
    return unexpected("port " + std::string(text) + " out of range 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string HostPort::to_string() const {
  return (is_ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Expected<HostPort, std::string> parse_host_port(std::string_view text, HostKind kind) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return unexpected("'" + std::string(text) + "' is not [IPv6]:PORT");
    }
    hp.host = std::string(text.substr(1, close - 1));
    hp.is_ipv6 = true;
    port_text = text.substr(close + 2);
    unsigned char buf[16];
    if (inet_pton(AF_INET6, hp.host.c_str(), buf) != 1) {
      return unexpected("'" + hp.host + "' is not an IPv6 address");
    }
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return unexpected("'" + std::string(text) + "' is not ADDR:PORT (write IPv6 as [ADDR]:PORT)");
    }
    hp.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    bool literal = is_ip_literal(hp.host);
    if (kind == HostKind::kIpLiteral && !literal) {
      return unexpected("'" + hp.host + "' is not an IP address");
    }
    if (!literal && !is_dns_name(hp.host)) {
      return unexpected("'" + hp.host + "' is neither an IP address nor a host name");
    }
  }
  auto port = parse_port(port_text);
  if (!port) return unexpected(port.error());
  hp.port = *port;
  return hp;
}

}  // namespace p2psip::config
