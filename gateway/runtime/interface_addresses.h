#pragma once
// The host's interface addresses, for choosing what to advertise when listening on the
// any-address (gateway/config/advertise.h).

#include <vector>

#include "gateway/config/advertise.h"

namespace p2psip::runtime {

// The addresses of every interface that is up, in getifaddrs order (empty when it fails).
std::vector<config::InterfaceAddress> interface_addresses();

}  // namespace p2psip::runtime
