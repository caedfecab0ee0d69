#include "dns/sip_uri.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace p2psip::dns {
namespace {

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.front() == '-') return false;
  return std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

// Classifies and normalises a host (maddr value or URI host); brackets allowed for IPv6.
Expected<std::pair<std::string, HostKind>, std::string> parse_host(std::string_view raw) {
  if (!raw.empty() && raw.front() == '[') {
    if (raw.size() < 3 || raw.back() != ']') return unexpected(std::string("bad IPv6 reference"));
    std::string inner = ascii_lower(raw.substr(1, raw.size() - 2));
    if (!is_ipv6(inner)) return unexpected("bad IPv6 address '" + inner + "'");
    return std::pair{inner, HostKind::ipv6};
  }
  std::string h = ascii_lower(raw);
  if (is_ipv4(h)) return std::pair{h, HostKind::ipv4};
  if (is_ipv6(h)) return std::pair{h, HostKind::ipv6};  // maddr may carry a bare IPv6
  if (h.size() > 1 && h.back() == '.') h.pop_back();
  if (!valid_hostname(h)) return unexpected("bad host '" + std::string(raw) + "'");
  return std::pair{h, HostKind::name};
}

Expected<std::uint16_t, std::string> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 ||
      !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return unexpected("bad port '" + std::string(s) + "'");
  }
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  if (v == 0 || v > 65535) return unexpected("port out of range: " + std::string(s));
  return static_cast<std::uint16_t>(v);
}

Expected<Transport, std::string> parse_transport(std::string_view v, bool secure) {
  std::string t = ascii_lower(v);
  if (t == "udp") {
    if (secure) return unexpected(std::string("sips: URI with transport=udp (TLS needs TCP)"));
    return Transport::udp;
  }
  if (t == "tcp") return secure ? Transport::tls : Transport::tcp;
  if (t == "tls") return Transport::tls;
  return unexpected("unsupported transport '" + std::string(v) + "'");
}

struct Params {
  std::optional<std::string> transport;
  std::optional<std::string> maddr;
};

// ";a=b;c" up to '?' (headers are ignored).
Params parse_params(std::string_view s) {
  Params p;
  while (!s.empty() && s.front() == ';') {
    s.remove_prefix(1);
    std::size_t end = s.find_first_of(";?");
    std::string_view item = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
    std::size_t eq = item.find('=');
    std::string name = ascii_lower(item.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
    if (name == "transport") p.transport = value;
    if (name == "maddr") p.maddr = value;
  }
  return p;
}

}  // namespace

Expected<SipTarget, std::string> parse_sip_uri(std::string_view uri) {
  SipTarget t;
  std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return unexpected(std::string("missing sip: or sips: scheme"));
  std::string scheme = ascii_lower(uri.substr(0, colon));
  if (scheme != "sip" && scheme != "sips") return unexpected("unsupported scheme '" + scheme + "'");
  t.secure = scheme == "sips";
  std::string_view rest = uri.substr(colon + 1);
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) rest = rest.substr(at + 1);

  std::string_view hostport;
  if (!rest.empty() && rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return unexpected(std::string("unterminated IPv6 reference"));
    hostport = rest.substr(0, close + 1);
    rest = rest.substr(close + 1);
  } else {
    std::size_t end = rest.find_first_of(":;?");
    hostport = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  auto host = parse_host(hostport);
  if (!host) return unexpected(host.error());
  if (!rest.empty() && rest.front() == ':') {
    std::size_t end = rest.find_first_of(";?");
    auto port = parse_port(rest.substr(1, end == std::string_view::npos ? end : end - 1));
    if (!port) return unexpected(port.error());
    t.port = *port;
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (!rest.empty() && rest.front() != ';' && rest.front() != '?') {
    return unexpected("unexpected text after host: '" + std::string(rest) + "'");
  }
  Params params = parse_params(rest);
  if (params.transport) {
    auto tr = parse_transport(*params.transport, t.secure);
    if (!tr) return unexpected(tr.error());
    t.transport = *tr;
  }
  if (params.maddr) host = parse_host(*params.maddr);  // RFC 3263 §4: maddr is the TARGET
  if (!host) return unexpected("maddr: " + host.error());
  t.host = host->first;
  t.kind = host->second;
  return t;
}

std::optional<Transport> fixed_transport(const SipTarget& t) {
  if (t.transport) return t.transport;
  if (t.numeric() || t.port) return t.secure ? Transport::tls : Transport::udp;
  return std::nullopt;
}

}  // namespace p2psip::dns
