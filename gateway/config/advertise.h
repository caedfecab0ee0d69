#pragma once
// The address other parties should use for one of the gateway's listeners (sip_advertise,
// overlay_advertise). Pure: the listen address, what the operator wrote and the host's
// interface addresses in; the address to announce (and a warning to log) out.
//
// Policy, for an operator who listens on the any-address (0.0.0.0 or ::, as in a container):
//  - an explicit advertise value always wins (HOST[:PORT]; without a port, the listen port);
//  - a concrete listen address is announced as it is;
//  - the any-address without advertise: the first usable interface address (up, not loopback,
//    not IPv6 link-local; for 0.0.0.0 only IPv4, for :: IPv6 first, then IPv4), with a warning
//    naming it, since a host with several interfaces may pick the wrong one;
//  - no such interface at all (e.g. a container without a network): loopback (127.0.0.1 or
//    ::1), with a warning that only this host can reach it. Refusing to start would break the
//    embedded default (`p2psip gateway` with no config) on such a host, and no other address
//    could reach it anyway.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "gateway/config/host_port.h"

namespace p2psip::config {

// One address of an interface that is up (the runtime reads them with getifaddrs).
struct InterfaceAddress {
  std::string ip;  // numeric, no brackets, no IPv6 zone
  bool is_ipv6 = false;
  bool loopback = false;
};

struct Advertised {
  HostPort address;
  std::string warning;  // empty: nothing to log
};

// "0.0.0.0" and "::".
bool is_any_address(std::string_view host);

// HOST[:PORT] as operators write it for an advertise key: a name, an IPv4 address, an IPv6
// address in brackets ("[2001:db8::1]:5060", "[2001:db8::1]") or bare ("2001:db8::1", then
// without a port). Without a port: `default_port`.
Expected<HostPort, std::string> parse_advertise(std::string_view text, std::uint16_t default_port);

// The address to announce for a listener on `listen` (what `what` names in the warning, e.g.
// "sip_advertise"). `advertise` is the operator's value, already parsed.
Advertised resolve_advertise(const HostPort& listen, const std::optional<HostPort>& advertise,
                             const std::vector<InterfaceAddress>& interfaces,
                             std::string_view what);

}  // namespace p2psip::config
