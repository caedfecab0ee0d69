#include "gateway/config/advertise.h"

#include <algorithm>

#include "common/text.h"

namespace p2psip::config {

namespace {

// 169.254.0.0/16 and fe80::/10: not reachable beyond the link.
bool link_local(const InterfaceAddress& a) {
  if (!a.is_ipv6) return a.ip.rfind("169.254.", 0) == 0;
  std::string prefix = ascii_lower(a.ip.substr(0, 3));
  return prefix == "fe8" || prefix == "fe9" || prefix == "fea" || prefix == "feb";
}

const InterfaceAddress* first_usable(const std::vector<InterfaceAddress>& interfaces, bool ipv6) {
  for (const auto& a : interfaces) {
    if (a.is_ipv6 == ipv6 && !a.loopback && !link_local(a)) return &a;
  }
  return nullptr;
}

}  // namespace

bool is_any_address(std::string_view host) { return host == "0.0.0.0" || host == "::"; }

Expected<HostPort, std::string> parse_advertise(std::string_view text, std::uint16_t default_port) {
  std::string t(text);
  if (t.empty()) return unexpected(std::string("must not be empty"));
  bool bracketed = t.front() == '[';
  bool bare_ipv6 = !bracketed && std::count(t.begin(), t.end(), ':') > 1;
  if (bare_ipv6) t = "[" + t + "]";
  bool has_port = bracketed ? t.find("]:") != std::string::npos
                            : !bare_ipv6 && t.find(':') != std::string::npos;
  if (!has_port) t += ":" + std::to_string(default_port);
  auto hp = parse_host_port(t, HostKind::kIpOrName);
  if (!hp) return unexpected(hp.error());
  if (is_any_address(hp->host)) {
    return unexpected("'" + hp->host + "' is the any-address; advertise one others can reach");
  }
  return hp;
}

Advertised resolve_advertise(const HostPort& listen, const std::optional<HostPort>& advertise,
                             const std::vector<InterfaceAddress>& interfaces,
                             std::string_view what) {
  if (advertise) return {*advertise, ""};
  if (!is_any_address(listen.host)) return {listen, ""};
  bool v6_listen = listen.host == "::";
  const InterfaceAddress* pick = v6_listen ? first_usable(interfaces, true) : nullptr;
  if (!pick) pick = first_usable(interfaces, false);
  std::string name(what);
  if (!pick) {
    HostPort loopback{v6_listen ? "::1" : "127.0.0.1", listen.port, v6_listen};
    return {loopback, "listening on " + listen.to_string() + " and no interface other than "
                      "loopback is up: announcing " + loopback.to_string() +
                      ", which only this host can reach; set " + name + " to fix this"};
  }
  HostPort chosen{pick->ip, listen.port, pick->is_ipv6};
  return {chosen, "listening on " + listen.to_string() + " without " + name + ": announcing " +
                      chosen.to_string() + " (the first non-loopback interface address); set " +
                      name + " if others must use another address"};
}

}  // namespace p2psip::config
