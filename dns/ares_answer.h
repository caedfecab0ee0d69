#pragma once
// Turns a c-ares query outcome (status + raw answer) into a DnsAnswer: records through
// records.h (same acceptance rules as c-ares 1.18's parsers, one pass, no hostent/reply lists),
// TTLs through message.h (c-ares 1.18 gives none for SRV and NAPTR).

#include <string>

#include "dns/types.h"

namespace p2psip::dns {

// `status` is the ares_query callback status; abuf may be null.
DnsAnswer parse_ares_answer(RecordType type, int status, const unsigned char* abuf, int alen);

// A short operator-facing text for a c-ares status ("connection refused", ...).
std::string ares_status_text(int status);

}  // namespace p2psip::dns
