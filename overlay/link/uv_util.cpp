#include "overlay/link/uv_util.h"

#include <cstring>

namespace p2psip::link {

std::string uv_message(int code) {
  return std::string(uv_err_name(code)) + ": " + uv_strerror(code);
}

std::optional<sockaddr_storage> make_sockaddr(std::string_view ip, std::uint16_t port) {
  std::string text(ip);
  sockaddr_storage out{};
  if (uv_ip4_addr(text.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0) return out;
  out = {};
  if (uv_ip6_addr(text.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0) return out;
  return std::nullopt;
}

wire::IpAddressPort to_ip_address_port(const sockaddr_storage& addr) {
  wire::IpAddressPort out;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    out.type = wire::AddressType::kIpv4;
    std::memcpy(out.addr.data(), &in->sin_addr, 4);
    out.port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    out.type = wire::AddressType::kIpv6;
    std::memcpy(out.addr.data(), &in6->sin6_addr, 16);
    out.port = ntohs(in6->sin6_port);
  }
  return out;
}

}  // namespace p2psip::link
