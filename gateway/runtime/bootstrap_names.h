#pragma once
// Bootstrap peers given by name (compose service names, Kubernetes Services) are resolved
// before the overlay node is created. A name that does not resolve yet is not a configuration
// error: in a container site the bootstrap peer's name often appears only once that peer runs.
// So the names are looked up without blocking (uv_getaddrinfo on the thread pool, on a loop of
// their own) and, while none of the bootstrap peers is usable, looked up again after a growing
// delay, with a log line each time; SIGTERM/SIGINT ends the wait. Once one bootstrap peer is
// usable (an IP literal, or a name that resolved), the names that still do not resolve are
// left out with a warning (the overlay reaches the rest of the ring through the others).

#include <chrono>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "gateway/config/host_port.h"
#include "p2psip/overlay/types.h"

namespace p2psip::runtime {

// The wait after `failed_rounds` rounds in which no bootstrap peer was usable: 1 s, 2 s,
// 4 s ... at most 30 s. Pure.
std::chrono::milliseconds bootstrap_retry_delay(int failed_rounds);

// An IPv4 or IPv6 literal needs no lookup (gateway/config/host_port.h).
using config::is_ip_literal;

// Replaces every name in `bootstrap` by the address it resolves to (see above). Returns false
// when a stop signal came before any bootstrap peer was usable (the caller exits 0).
bool resolve_bootstrap_names(std::vector<overlay::Endpoint>& bootstrap, spdlog::logger& log);

}  // namespace p2psip::runtime
