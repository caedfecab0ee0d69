#include "gateway/config/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace p2psip::config {

namespace {

// Parses an IP literal into bytes; returns 4, 16, or 0 when it is not one.
std::size_t parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (text.empty() || text.size() > 64) return 0;
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) return 4;
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return 16;
  return 0;
}

bool prefix_matches(const std::uint8_t* net, const std::uint8_t* addr, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(net, addr, static_cast<std::size_t>(full)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (net[full] & mask) == (addr[full] & mask);
}

bool is_v4_mapped(std::span<const std::uint8_t> a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a.size() == 16 && std::memcmp(a.data(), kPrefix, 12) == 0;
}

}  // namespace

Expected<Cidr, std::string> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  Cidr c;
  std::size_t len = parse_ip(addr, c.net_);
  if (len == 0) return unexpected("'" + std::string(text) + "' is not ADDR/PREFIX (an IP network)");
  c.v6_ = len == 16;
  int max = c.v6_ ? 128 : 32;
  c.prefix_ = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || value < 0 || value > max) {
      return unexpected("prefix length '" + std::string(p) + "' in '" + std::string(text) +
                        "' is not 0-" + std::to_string(max));
    }
    c.prefix_ = value;
  }
  Cidr masked = c;
  for (int bit = c.prefix_; bit < max; ++bit) {
    masked.net_[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
  if (masked.net_ != c.net_) {
    return unexpected("'" + std::string(text) + "' has host bits set; did you mean '" +
                      masked.to_string() + "'?");
  }
  return c;
}

bool Cidr::contains(std::span<const std::uint8_t> a) const {
  if (!v6_ && a.size() == 4) return prefix_matches(net_.data(), a.data(), prefix_);
  if (!v6_ && is_v4_mapped(a)) return prefix_matches(net_.data(), a.data() + 12, prefix_);
  if (v6_ && a.size() == 16) return prefix_matches(net_.data(), a.data(), prefix_);
  return false;
}

bool Cidr::contains(std::string_view ip) const {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t len = parse_ip(ip, bytes);
  return len != 0 && contains(std::span<const std::uint8_t>(bytes.data(), len));
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, net_.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_);
}

}  // namespace p2psip::config
