#pragma once
// Resource-IDs from names (RFC 6940 §5.2, CHORD-RELOAD): the most significant 128 bits of
// SHA-1 over the name's bytes.

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "overlay/wire/ids.h"

namespace p2psip::storage {

inline constexpr std::size_t kResourceIdLength = 16;

wire::ResourceId resource_id_of(ByteView name);
wire::ResourceId resource_id_of(std::string_view name);
// NODE-MATCH: H(Node-ID) over its 16 raw bytes.
wire::ResourceId node_resource_id(const wire::NodeId& node);
// NODE-MULTIPLE: H(Node-ID || i), i as a big-endian uint32.
wire::ResourceId node_multiple_resource_id(const wire::NodeId& node, std::uint32_t i);
// The all-zero Resource-ID ("0" in a FindKindData when nothing is known, §7.4.4.2).
wire::ResourceId zero_resource_id();

}  // namespace p2psip::storage
