#pragma once
// SIP usage (RFC 7904 §3): AoR normalisation, AoR -> Resource-ID (DESIGN.md §6: the most
// significant 128 bits of SHA-1 over the AoR without its scheme), signed SIP-REGISTRATION
// stores, and uri-form indirection followed as a pure function over fetched values.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "overlay/storage/signing.h"
#include "overlay/usage/aor_walk.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/sip_registration.h"

namespace p2psip::usage {

inline constexpr std::size_t kMaxAorLength = 1024;
inline constexpr std::size_t kDefaultMaxIndirection = 4;

// "sip:Al%69ce@P2P.Example.com;transport=tcp" -> "Alice@p2p.example.com": drops the sip:/sips:
// scheme (any case), URI parameters and headers, decodes the %-escapes of unreserved
// characters (RFC 7904 §7; the others keep upper-case hex), lower-cases the domain (the user
// part is case-sensitive): storage::normal_user_name. Needs user@domain with no whitespace,
// '<' or '>', and well-formed escapes.
Expected<std::string, std::string> normalize_aor(std::string_view aor);
// Resource-ID of a normalised AoR (or of any AoR after normalising; errors as above).
Expected<wire::ResourceId, std::string> aor_resource_id(std::string_view aor);

// A Kind 1 StoreKindData holding one DICTIONARY entry keyed by `storer` with the encoded
// registration, signed by `signer` (whose certificate must hold `storer` and the AoR's user
// name for USER-NODE-MATCH). generation_counter 0 (no check).
Expected<wire::StoreKindData, std::string> build_registration(
    const wire::ResourceId& resource, const wire::NodeId& storer,
    const wire::SipRegistration& registration, std::uint64_t storage_time_ms,
    std::uint32_t lifetime_s, storage::DataSigner& signer);
// The same entry with exists=false (unregister).
wire::StoreKindData build_unregistration(const wire::ResourceId& resource,
                                         const wire::NodeId& storer,
                                         std::uint64_t storage_time_ms, std::uint32_t lifetime_s,
                                         storage::DataSigner& signer);

// The registrations a Kind 1 fetch returned: existing entries whose value decodes to a known
// type (exists=false, undecodable and unknown-type entries are skipped).
std::vector<wire::SipRegistration> registrations_of(const std::vector<wire::StoredData>& values);

// The Kind 1 values stored for a normalised AoR (empty when none or the fetch failed).
using RegistrationFetch = std::function<std::vector<wire::StoredData>(const std::string& aor)>;

// Looks `aor` up and follows uri-form registrations whose URI is an AoR of `overlay_domain`
// (another overlay lookup) up to `max_depth` levels; loops are cut by the visited set. The
// synchronous twin of SipUsageClient::lookup (both run an AorWalk).
Resolution resolve_aor(std::string_view aor, std::string_view overlay_domain,
                       const RegistrationFetch& fetch,
                       std::size_t max_depth = kDefaultMaxIndirection);

}  // namespace p2psip::usage
