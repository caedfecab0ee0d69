#pragma once
// ForwardingHeader.overlay (RFC 6940 §6.3.2): the lower 32 bits of SHA-1(overlay name), i.e.
// the last four bytes of the 20-byte digest read big-endian.

#include <cstdint>
#include <string_view>

namespace p2psip::wire {

std::uint32_t overlay_hash(std::string_view overlay_name);

}  // namespace p2psip::wire
