#include "overlay/storage/sim_data_signer.h"

#include <algorithm>

namespace p2psip::storage {
namespace {

// value = uint8 user length || user || Node-ID (16) || FNV-1a-64 (8, big-endian)
std::uint64_t checksum(ByteView input, ByteView who) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](ByteView b) {
    for (std::byte x : b) {
      h ^= std::to_integer<std::uint64_t>(x);
      h *= 0x100000001b3ull;
    }
  };
  mix(who);
  mix(input);
  return h;
}

}  // namespace

wire::SignerIdentity SimDataSigner::identity() const { return wire::SignerIdentity{}; }

wire::Signature SimDataSigner::sign(ByteView input) {
  wire::Signature s;
  s.algorithm = {wire::kHashNone, wire::kSignatureAnonymous};
  s.identity = identity();
  std::size_t n = std::min<std::size_t>(user_.size(), 255);
  s.value.push_back(static_cast<std::byte>(n));
  for (std::size_t i = 0; i < n; ++i) s.value.push_back(static_cast<std::byte>(user_[i]));
  s.value.insert(s.value.end(), node_.bytes().begin(), node_.bytes().end());
  std::uint64_t h = checksum(input, ByteView(s.value));
  for (int i = 7; i >= 0; --i) s.value.push_back(static_cast<std::byte>(h >> (8 * i)));
  return s;
}

std::optional<SignerInfo> SimDataVerifier::verify(const wire::Signature& signature,
                                                  ByteView input) {
  const Bytes& v = signature.value;
  if (signature.identity.type != wire::SignerIdentityType::kNone || v.empty()) return std::nullopt;
  std::size_t n = std::to_integer<std::size_t>(v[0]);
  std::size_t id_at = 1 + n;
  if (v.size() != id_at + wire::kNodeIdLength + 8) return std::nullopt;
  ByteView who(v.data(), id_at + wire::kNodeIdLength);
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < 8; ++i) h = (h << 8) | std::to_integer<std::uint64_t>(v[who.size() + i]);
  if (h != checksum(input, who)) return std::nullopt;
  SignerInfo info;
  info.user.assign(reinterpret_cast<const char*>(v.data() + 1), n);
  auto id = wire::NodeId::from_bytes(ByteView(v.data() + id_at, wire::kNodeIdLength));
  if (!id) return std::nullopt;
  info.node_ids.push_back(*id);
  return info;
}

}  // namespace p2psip::storage
