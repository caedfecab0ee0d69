#pragma once
// Reads the records of one type from the answer section of a raw DNS response (RFC 1035 §4.1,
// SRV RFC 2782, NAPTR RFC 3403, A, AAAA RFC 3596), in one pass and without the c-ares parsers,
// with the same acceptance rules as c-ares 1.18's ares_parse_{a,aaaa,srv,naptr}_reply:
//   - exactly one question, else an error; every RR must fit the message, else an error;
//   - SRV/NAPTR: every answer RR of that type, class IN; names as ares_expand_name prints them
//     (compression followed, reserved characters escaped "\.", non-printables "\DDD");
//   - A/AAAA: class IN records of the right length owned by the question name or by the
//     target of a CNAME chain starting there (case-insensitive), at most kMaxAddresses.
// Pure; every read checks the remaining length first; pointer chains are bounded.

#include <cstddef>
#include <string>

#include "common/bytes.h"
#include "common/expected.h"
#include "dns/types.h"

namespace p2psip::dns {

inline constexpr std::size_t kMaxAddresses = 1024;

// Appends the records of `type` to the matching vector of `out` and returns how many; 0 means
// none (NODATA). An error for a malformed message (c-ares: ARES_EBADRESP).
Expected<std::size_t, std::string> read_answer_records(ByteView message, RecordType type,
                                                       DnsAnswer& out);

}  // namespace p2psip::dns
