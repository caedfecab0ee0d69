#include "gateway/config/service_links.h"

#include <array>
#include <regex>

#include "gateway/config/host_port.h"

namespace p2psip::config {

namespace {

enum class ValueShape { kIp, kPort, kUrl, kProto };

bool is_port(const std::string& v) {
  static const std::regex port("[0-9]{1,5}");
  return std::regex_match(v, port) && std::stoul(v) <= 65535;
}

// tcp://10.0.0.11:5060, udp://[fd00::1]:5060 (the kubelet joins host and port like Go's
// net.JoinHostPort).
bool is_url(const std::string& v) {
  static const std::regex url("(tcp|udp|sctp)://(\\[([0-9a-fA-F:.]+)\\]|([0-9.]+)):([0-9]{1,5})");
  std::smatch m;
  if (!std::regex_match(v, m, url)) return false;
  return is_ip_literal(m[3].matched ? m[3].str() : m[4].str()) && is_port(m[5].str());
}

bool has_shape(const std::string& v, ValueShape shape) {
  switch (shape) {
    case ValueShape::kIp: return is_ip_literal(v);
    case ValueShape::kPort: return is_port(v);
    case ValueShape::kUrl: return is_url(v);
    case ValueShape::kProto: return v == "tcp" || v == "udp" || v == "sctp";
  }
  return false;
}

struct Pattern {
  std::regex name;
  ValueShape value;
};

// The Service's name, upper-cased with '-' as '_', is P2PSIP or P2PSIP_<rest>.
const std::array<Pattern, 7>& patterns() {
  static const std::string svc = "P2PSIP(_[A-Z0-9_]+)?";
  static const std::string port = "_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)";
  static const std::array<Pattern, 7> p{{
      {std::regex(svc + "_SERVICE_HOST"), ValueShape::kIp},
      {std::regex(svc + "_SERVICE_PORT(_[A-Z0-9_]+)?"), ValueShape::kPort},
      {std::regex(svc + "_PORT"), ValueShape::kUrl},
      {std::regex(svc + port), ValueShape::kUrl},
      {std::regex(svc + port + "_PROTO"), ValueShape::kProto},
      {std::regex(svc + port + "_PORT"), ValueShape::kPort},
      {std::regex(svc + port + "_ADDR"), ValueShape::kIp},
  }};
  return p;
}

}  // namespace

bool is_kubernetes_service_link(const std::string& name, const std::string& value) {
  for (const Pattern& p : patterns()) {
    if (std::regex_match(name, p.name) && has_shape(value, p.value)) return true;
  }
  return false;
}

}  // namespace p2psip::config
