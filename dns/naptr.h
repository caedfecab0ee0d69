#pragma once
// RFC 3263 §4.1 NAPTR filtering and ordering. Pure.

#include <optional>
#include <string_view>
#include <vector>

#include "dns/types.h"

namespace p2psip::dns {

// The transport of a SIP NAPTR service field ("SIP+D2U" -> udp, "SIP+D2T" -> tcp,
// "SIPS+D2T" -> tls; case-insensitive). nullopt for anything we do not support (SIP+D2S,
// SIPS+D2U, E2U+sip, empty, garbage): such records are skipped, never an error.
std::optional<Transport> naptr_transport(std::string_view service);

struct NaptrChoice {
  Transport transport;
  std::string srv_name;  // the replacement: the SRV owner name to query
};

// Keeps the records usable for this URI (flag "s", empty regexp, non-empty replacement, a
// supported service; SIPS only for a sips: URI), sorted by order then preference (stable, so
// equal keys keep the server's order), one entry per (transport, replacement).
std::vector<NaptrChoice> select_naptr(const std::vector<NaptrRecord>& records, bool secure);

}  // namespace p2psip::dns
