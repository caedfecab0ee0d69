#pragma once
// The names a RELOAD certificate carries (RFC 6940 §11.3, §14.15): 128-bit Node-IDs written
// as reload:// URIs, the user name (an rfc822Name, user@domain) and the overlay name.
//
// The URI destination is, as §14.15 defines it, the hex form of a Destination List: for a
// certificate a single Destination {type node(1), length 16, node_id}, so
//   reload://0110<32 hex digits of the Node-ID>@<overlay>/
// That is what we write. We also read the bare form reload://<32 hex>@<overlay>/ (the
// Destination wrapper left out), which is unambiguous because of its length.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/expected.h"

namespace p2psip::security {

inline constexpr std::size_t kNodeIdSize = 16;  // CHORD-RELOAD: 128 bits
using NodeId = std::array<std::byte, kNodeIdSize>;

inline constexpr std::size_t kMaxUserNameLength = 254;
inline constexpr std::size_t kMaxOverlayNameLength = 253;

// Exactly 32 hex digits (either case) -> Node-ID.
std::optional<NodeId> parse_node_id_hex(std::string_view hex);
std::string node_id_hex(const NodeId& id);  // 32 lowercase hex digits

// user@domain: a non-empty local part of printable ASCII without spaces, '@', '<', '>',
// '"', '\\' or control characters; a domain as in is_valid_overlay_name.
bool is_valid_user_name(std::string_view user);
// A DNS-style name: dot-separated labels of letters, digits and '-', each 1..63 characters,
// not starting or ending with '-'; 253 characters at most.
bool is_valid_overlay_name(std::string_view overlay);

struct ReloadUri {
  NodeId node_id;
  std::string overlay;
};

std::string reload_uri(const NodeId& id, std::string_view overlay);
// Parses a certificate's reload URI (no specifier); the error says what is wrong.
Expected<ReloadUri, std::string> parse_reload_uri(std::string_view uri);

// ASCII case-insensitive equality (overlay and domain names).
bool iequals(std::string_view a, std::string_view b);

}  // namespace p2psip::security
