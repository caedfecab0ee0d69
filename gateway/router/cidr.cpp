#include "gateway/router/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace p2psip::router {

namespace {

// A numeric address into 16 bytes (IPv4 in the first 4); nullopt if it is not one.
std::optional<std::pair<bool, std::array<std::uint8_t, 16>>> to_bytes(std::string_view ip) {
  std::string s(ip);
  std::array<std::uint8_t, 16> out{};
  if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) return std::pair{false, out};
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return std::pair{true, out};
  return std::nullopt;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  auto bytes = to_bytes(text.substr(0, slash));
  if (!bytes) return std::nullopt;
  Cidr c;
  c.v6_ = bytes->first;
  c.net_ = bytes->second;
  int max = c.v6_ ? 128 : 32;
  c.prefix_ = max;
  if (slash != std::string_view::npos) {
    auto len = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), c.prefix_);
    if (len.empty() || ec != std::errc() || p != len.data() + len.size() || c.prefix_ < 0 ||
        c.prefix_ > max) {
      return std::nullopt;
    }
  }
  return c;
}

bool Cidr::contains(std::string_view ip) const {
  auto bytes = to_bytes(ip);
  if (!bytes || bytes->first != v6_) return false;
  int bits = prefix_;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((bytes->second[i] & mask) != (net_[i] & mask)) return false;
  }
  return true;
}

}  // namespace p2psip::router
