#pragma once
// An IP network in CIDR notation ("10.0.0.0/8", "2001:db8::/32"; a bare address means /32 or
// /128). Pure: parse text, ask whether an address (text or network-order bytes) lies inside.
// An IPv4 network also contains the IPv4-mapped IPv6 form of its addresses (::ffff:10.1.2.3),
// which is how a dual-stack socket reports IPv4 peers.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::config {

class Cidr {
 public:
  // "ADDR/PREFIX" or "ADDR". Host bits below the prefix must be zero ("10.0.0.1/8" is an
  // error that suggests 10.0.0.0/8), so a typo cannot silently widen or narrow the network.
  static Expected<Cidr, std::string> parse(std::string_view text);

  bool is_ipv6() const { return v6_; }
  int prefix_length() const { return prefix_; }

  // An IP literal (no brackets, no port); anything that is not an address is outside.
  bool contains(std::string_view ip) const;
  // 4 bytes (IPv4) or 16 bytes (IPv6), network order; other sizes are outside.
  bool contains(std::span<const std::uint8_t> address) const;

  std::string to_string() const;  // canonical, e.g. "2001:db8::/32"
  bool operator==(const Cidr&) const = default;

 private:
  std::array<std::uint8_t, 16> net_{};  // IPv4 uses the first 4 bytes
  int prefix_ = 0;
  bool v6_ = false;
};

}  // namespace p2psip::config
