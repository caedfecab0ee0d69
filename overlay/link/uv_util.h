#pragma once
// Small libuv helpers of the link code: error text, addresses, the monotonic clock. Handles
// (as_handle, as_stream, close_and_delete, Timer) are common/uv_handle.h's, the one helper.

#include <uv.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/uv_handle.h"
#include "overlay/link/link_types.h"
#include "overlay/wire/ids.h"

namespace p2psip::link {

// Kept for gateway/runtime until it includes common/uv_handle.h itself.
using uv::close_and_delete;

// Monotonic microseconds (uv_hrtime), for RTT samples and link deadlines.
inline Micros monotonic_now() { return Micros{static_cast<std::int64_t>(uv_hrtime() / 1000)}; }

std::string uv_message(int code);  // "ECONNREFUSED: connection refused"

// "127.0.0.1" / "::1" and a port -> sockaddr; nullopt if the text is no IP literal.
std::optional<sockaddr_storage> make_sockaddr(std::string_view ip, std::uint16_t port);
wire::IpAddressPort to_ip_address_port(const sockaddr_storage& addr);

}  // namespace p2psip::link
