#pragma once
// The normal form of a user name / AoR "user@domain" (RFC 7904 §7, RFC 3261 §19.1.4, RFC 3986
// §6.2.2), shared by the requester (overlay/usage normalize_aor: AoR -> Resource-ID) and the
// storing peer (access.cpp USER-MATCH / USER-NODE-MATCH: the certificate's user name ->
// Resource-ID), so both hash the same bytes.
//
// RFC 7904 §7: "Escaped characters ('%' encoding) in the SIP AOR also need to be decoded prior
// to matching". RFC 3261 §19.1.4 says which escapes are equivalent to their character: those of
// characters outside the reserved set. We decode an escape when its octet is an RFC 3261
// `unreserved` character (alphanum / mark: - _ . ! ~ * ' ( )); every other escape (reserved
// characters such as %40 '@' or %3B ';', '%' itself, space, controls, non-ASCII octets) stays
// escaped with upper-case hex (RFC 3986 §6.2.2.1), because decoding it would change the URI's
// structure or give a string no rfc822Name can hold. The user part is case-sensitive
// (RFC 3261 §19.1.4), the domain is lower-cased.

#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::storage {

// "Al%69ce@P2P.Example.com" -> "Alice@p2p.example.com". Errors: no '@' (split at the last one),
// empty user or domain, a '%' not followed by two hex digits.
Expected<std::string, std::string> normal_user_name(std::string_view user_at_domain);

}  // namespace p2psip::storage
