#pragma once
// An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "2001:db8::/32", or a bare address
// meaning /32 or /128), and whether a numeric address lies inside it. Pure.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace p2psip::router {

class Cidr {
 public:
  // nullopt for anything that is not an address with an optional prefix length in range.
  static std::optional<Cidr> parse(std::string_view text);
  // False for unparsable addresses and for the other address family.
  bool contains(std::string_view ip) const;

 private:
  bool v6_ = false;
  std::array<std::uint8_t, 16> net_{};
  int prefix_ = 0;
};

}  // namespace p2psip::router
