#include "overlay/peer/sim_signer.h"

namespace p2psip::peer {
namespace {

std::uint64_t fnv1a(const NodeId& salt, ByteView data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](std::byte b) {
    h ^= std::to_integer<std::uint64_t>(b);
    h *= 0x100000001b3ull;
  };
  for (std::byte b : salt.bytes()) mix(b);
  for (std::byte b : data) mix(b);
  return h;
}

}  // namespace

wire::SignerIdentity SimSigner::identity() const { return wire::SignerIdentity{}; }

wire::SecurityBlock SimSigner::sign(ByteView signature_input) {
  wire::SecurityBlock block;
  block.signature.algorithm = {wire::kHashNone, wire::kSignatureAnonymous};
  block.signature.identity = identity();
  Bytes& v = block.signature.value;
  v.assign(self_.bytes().begin(), self_.bytes().end());
  std::uint64_t h = fnv1a(self_, signature_input);
  for (int i = 7; i >= 0; --i) v.push_back(static_cast<std::byte>((h >> (8 * i)) & 0xff));
  return block;
}

std::optional<NodeId> SimSigner::verify(const wire::Message& m) {
  const Bytes& v = m.security.signature.value;
  if (v.size() != wire::kNodeIdLength + 8) return std::nullopt;
  auto signer = NodeId::from_bytes(ByteView(v.data(), wire::kNodeIdLength));
  if (!signer) return std::nullopt;
  Bytes input = wire::signature_input(m.header.overlay, m.header.transaction_id, m.contents,
                                      m.security.signature.identity);
  std::uint64_t h = fnv1a(*signer, input);
  for (int i = 0; i < 8; ++i) {
    auto want = static_cast<std::byte>((h >> (8 * (7 - i))) & 0xff);
    if (v[wire::kNodeIdLength + static_cast<std::size_t>(i)] != want) return std::nullopt;
  }
  return signer;
}

}  // namespace p2psip::peer
