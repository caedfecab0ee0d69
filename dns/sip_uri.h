#pragma once
// The parts of a SIP or SIPS URI that RFC 3263 needs: scheme, TARGET (maddr if present, else the
// host), port and transport parameter. Pure: no DNS, no sockets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "dns/types.h"

namespace p2psip::dns {

enum class HostKind { name, ipv4, ipv6 };

struct SipTarget {
  bool secure = false;                  // sips:
  std::string host;                     // lowercase, no brackets, no trailing dot
  HostKind kind = HostKind::name;
  std::optional<std::uint16_t> port;
  std::optional<Transport> transport;   // from ;transport= (tls also from sips + tcp)
  bool numeric() const { return kind != HostKind::name; }
};

// Parses "sip:user@host:port;transport=tcp;maddr=..." (also a bare "host[:port]" is rejected:
// the scheme is required). Unsupported transports (sctp, ws, ...) and sips with UDP are errors.
Expected<SipTarget, std::string> parse_sip_uri(std::string_view uri);

// RFC 3263 §4.1 transport when the URI decides it without DNS: a transport parameter, a numeric
// host or an explicit port. nullopt means "ask NAPTR".
std::optional<Transport> fixed_transport(const SipTarget& t);

}  // namespace p2psip::dns
