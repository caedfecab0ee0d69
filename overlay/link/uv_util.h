#pragma once
// Small libuv helpers shared by the link code. Handles live on the heap and are freed in
// their close callback (libuv may touch a handle until then); `data` points at the owning
// object and is cleared when the owner lets go, so late callbacks find nobody home.

#include <uv.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "overlay/link/link_types.h"
#include "overlay/wire/ids.h"

namespace p2psip::link {

template <class Handle>
uv_handle_t* as_handle(Handle* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}

template <class Handle>
uv_stream_t* as_stream(Handle* h) {
  return reinterpret_cast<uv_stream_t*>(h);
}

// Detaches the owner and closes the handle; its memory goes in the close callback.
template <class Handle>
void close_and_delete(Handle* handle) {
  if (handle == nullptr) return;
  handle->data = nullptr;
  if (uv_is_closing(as_handle(handle)) == 0) {
    uv_close(as_handle(handle), [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
  }
}

// Monotonic microseconds (uv_hrtime), for RTT samples and link deadlines.
inline Micros monotonic_now() { return Micros{static_cast<std::int64_t>(uv_hrtime() / 1000)}; }

std::string uv_message(int code);  // "ECONNREFUSED: connection refused"

// "127.0.0.1" / "::1" and a port -> sockaddr; nullopt if the text is no IP literal.
std::optional<sockaddr_storage> make_sockaddr(std::string_view ip, std::uint16_t port);
wire::IpAddressPort to_ip_address_port(const sockaddr_storage& addr);

}  // namespace p2psip::link
