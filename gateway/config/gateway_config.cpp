#include "gateway/config/gateway_config.h"

#include <array>

namespace p2psip::config {

namespace {

constexpr std::array<const char*, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                    "error", "critical", "off"};

HostPort must_parse(const std::string& text, HostKind kind) {
  // Values reaching here passed their key's check; an empty HostPort is unreachable.
  auto hp = parse_host_port(text, kind);
  return hp ? *hp : HostPort{};
}

}  // namespace

std::optional<std::string> check_listen_address(const std::string& value) {
  auto hp = parse_host_port(value, HostKind::kIpLiteral);
  if (!hp) return hp.error();
  return std::nullopt;
}

std::optional<std::string> check_peer_address(const std::string& value) {
  auto hp = parse_host_port(value, HostKind::kIpOrName);
  if (!hp) return hp.error();
  return std::nullopt;
}

std::optional<std::string> check_overlay_name(const std::string& value) {
  if (value.empty() || value.size() > 253) return "must be 1 to 253 characters";
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    if (!ok) return "'" + value + "' is not a domain-style overlay name (letters, digits, '.', '-')";
  }
  return std::nullopt;
}

std::optional<std::string> check_log_level(const std::string& value) {
  for (const char* level : kLogLevels) {
    if (value == level) return std::nullopt;
  }
  return "'" + value + "' is not one of trace, debug, info, warn, error, critical, off";
}

namespace {

std::optional<std::string> not_empty(const std::string& v) {
  if (v.empty()) return "must not be empty";
  return std::nullopt;
}

// The keys of the overlay node, in the order --print-config shows them.
Schema overlay_keys() {
  return {
      {"overlay_listen", "RELOAD listen address (TLS over TCP), ADDR:PORT", {"0.0.0.0:6084"},
       false, check_listen_address},
      {"metrics_listen", "HTTP address for /metrics, /health and /status, ADDR:PORT",
       {"0.0.0.0:9464"}, false, check_listen_address},
      {"bootstrap", "bootstrap peer ADDR:PORT (repeatable); none starts a new overlay", {}, true,
       check_peer_address},
      {"overlay", "overlay name (also the default SIP domain)", {"p2p.example.com"}, false,
       check_overlay_name},
      {"cert", "node certificate (PEM, from 'p2psip ca issue'); with key and ca. "
               "None of the three: a development CA in data_dir", {}, false, nullptr},
      {"key", "node private key (PEM) for cert", {}, false, nullptr},
      {"ca", "overlay root certificate (PEM, the CA's ca.crt) that peers must chain to", {},
       false, nullptr},
      {"data_dir", "directory for certificates and state", {"p2psip-data"}, false, not_empty},
      {"log_level", "trace, debug, info, warn, error, critical or off", {"info"}, false,
       check_log_level},
  };
}

}  // namespace

const Schema& gateway_schema() {
  static const Schema schema = [] {
    Schema s = {{"sip_listen", "SIP listen address (UDP and TCP), ADDR:PORT", {"0.0.0.0:5060"},
                 false, check_listen_address}};
    for (auto& k : overlay_keys()) s.push_back(std::move(k));
    s.push_back({"dns_server",
                 "DNS server ADDR:PORT for RFC 3263 (repeatable); none: /etc/resolv.conf", {},
                 true, check_listen_address});
    return s;
  }();
  return schema;
}

const Schema& peer_schema() {
  static const Schema schema = overlay_keys();
  return schema;
}

OverlayConfig to_overlay_config(const Settings& s) {
  OverlayConfig c;
  c.overlay_listen = must_parse(s.get("overlay_listen"), HostKind::kIpLiteral);
  c.metrics_listen = must_parse(s.get("metrics_listen"), HostKind::kIpLiteral);
  for (const auto& b : s.list("bootstrap")) c.bootstrap.push_back(must_parse(b, HostKind::kIpOrName));
  c.overlay = s.get("overlay");
  c.cert = s.get("cert");
  c.key = s.get("key");
  c.ca = s.get("ca");
  c.data_dir = s.get("data_dir");
  c.log_level = s.get("log_level");
  return c;
}

GatewayConfig to_gateway_config(const Settings& s) {
  GatewayConfig c;
  static_cast<OverlayConfig&>(c) = to_overlay_config(s);
  c.sip_listen = must_parse(s.get("sip_listen"), HostKind::kIpLiteral);
  for (const auto& d : s.list("dns_server")) c.dns_servers.push_back(must_parse(d, HostKind::kIpLiteral));
  return c;
}

}  // namespace p2psip::config
