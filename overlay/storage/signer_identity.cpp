#include "overlay/storage/signer_identity.h"

#include "overlay/security/signature.h"

namespace p2psip::storage {

namespace sec = p2psip::security;

wire::SignerIdentity signer_identity(const sec::Certificate& cert, const sec::NodeId& signing) {
  wire::SignerIdentity id;
  id.hash_alg = wire::kHashSha256;
  bool several = cert.node_ids().size() > 1;
  id.type = several ? wire::SignerIdentityType::kCertHashNodeId
                    : wire::SignerIdentityType::kCertHash;
  auto h = several ? sec::cert_hash_node_id(sec::HashAlgorithm::sha256, signing, cert.der())
                   : sec::cert_hash(sec::HashAlgorithm::sha256, cert.der());
  if (h) id.hash = std::move(*h);
  return id;
}

std::optional<sec::NodeId> identity_node_id(const wire::SignerIdentity& id,
                                            const sec::Certificate& cert) {
  if (id.type != wire::SignerIdentityType::kCertHashNodeId) return std::nullopt;
  auto hash_alg = static_cast<sec::HashAlgorithm>(id.hash_alg);
  for (const sec::NodeId& n : cert.node_ids()) {
    auto h = sec::cert_hash_node_id(hash_alg, n, cert.der());
    if (h && *h == id.hash) return n;
  }
  return std::nullopt;
}

bool identity_names(const wire::SignerIdentity& id, const sec::Certificate& cert) {
  if (id.type == wire::SignerIdentityType::kCertHash) {
    auto h = sec::cert_hash(static_cast<sec::HashAlgorithm>(id.hash_alg), cert.der());
    return h && *h == id.hash;
  }
  return identity_node_id(id, cert).has_value();
}

}  // namespace p2psip::storage
