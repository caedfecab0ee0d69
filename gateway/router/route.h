#pragma once
// How the gateway routed a request: the router's decision (Decision::route) and the label of
// the proxy's metrics (p2psip_gateway_routes_total, p2psip_sip_requests_forwarded_total) are
// this one enum. A header of its own without dependencies, so that metrics/ can label by it.

#include <cstddef>
#include <string_view>

namespace p2psip::router {

// The first four are where a request is forwarded (the forwarding routes); `local` is answered
// by the gateway itself, `rejected` refused (403/404/482/483/503...).
enum class Route { overlay, static_table, dns, dialog, local, rejected };
inline constexpr std::size_t kRoutes = 6;
inline constexpr std::size_t kForwardingRoutes = 4;

// The metric label: "overlay", "static", "dns", "dialog", "local", "rejected".
constexpr std::string_view to_string(Route r) {
  switch (r) {
    case Route::overlay: return "overlay";
    case Route::static_table: return "static";
    case Route::dns: return "dns";
    case Route::dialog: return "dialog";
    case Route::local: return "local";
    case Route::rejected: return "rejected";
  }
  return "dns";
}

}  // namespace p2psip::router
