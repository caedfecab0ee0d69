#include "overlay/storage/resource_id.h"

#include <openssl/sha.h>

#include <array>

namespace p2psip::storage {

wire::ResourceId resource_id_of(ByteView name) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest.data());
  wire::ResourceId id;
  id.bytes.resize(kResourceIdLength);
  for (std::size_t i = 0; i < kResourceIdLength; ++i) id.bytes[i] = std::byte{digest[i]};
  return id;
}

wire::ResourceId resource_id_of(std::string_view name) { return resource_id_of(as_bytes(name)); }

wire::ResourceId node_resource_id(const wire::NodeId& node) {
  return resource_id_of(node.view());
}

wire::ResourceId node_multiple_resource_id(const wire::NodeId& node, std::uint32_t i) {
  Bytes input(node.view().begin(), node.view().end());
  for (int shift = 24; shift >= 0; shift -= 8) {
    input.push_back(static_cast<std::byte>((i >> shift) & 0xff));
  }
  return resource_id_of(ByteView(input));
}

wire::ResourceId zero_resource_id() {
  return wire::ResourceId{Bytes(kResourceIdLength, std::byte{0})};
}

}  // namespace p2psip::storage
