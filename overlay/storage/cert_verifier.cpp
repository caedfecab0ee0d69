#include "overlay/storage/cert_verifier.h"

#include <algorithm>

#include "overlay/security/signature.h"

namespace p2psip::storage {

namespace sec = p2psip::security;

namespace {

bool identity_matches(const wire::SignerIdentity& id, const sec::Certificate& cert) {
  auto hash_alg = static_cast<sec::HashAlgorithm>(id.hash_alg);
  if (id.type == wire::SignerIdentityType::kCertHash) {
    auto h = sec::cert_hash(hash_alg, cert.der());
    return h && *h == id.hash;
  }
  if (id.type == wire::SignerIdentityType::kCertHashNodeId) {
    return std::any_of(cert.node_ids().begin(), cert.node_ids().end(), [&](const auto& n) {
      auto h = sec::cert_hash_node_id(hash_alg, n, cert.der());
      return h && *h == id.hash;
    });
  }
  return false;
}

}  // namespace

SignerInfo signer_info(const sec::Certificate& cert) {
  SignerInfo info;
  info.user = cert.user();
  for (const sec::NodeId& n : cert.node_ids()) info.node_ids.emplace_back(n);
  return info;
}

CertificateVerifier::CertificateVerifier(std::vector<sec::Certificate> trusted)
    : trusted_(std::move(trusted)) {}

CertificateVerifier CertificateVerifier::from_block(
    std::span<const wire::GenericCertificate> certs, std::span<const sec::RootCertificate> roots,
    sec::SysSeconds now, std::string_view overlay, VerifiedCertificateCache* cache,
    sec::BadNodes* bad_nodes) {
  std::vector<sec::Certificate> ok;
  for (const wire::GenericCertificate& g : certs) {
    if (g.type != wire::CertificateType::kX509) continue;
    std::optional<sec::Certificate> cert;
    if (cache) cert = cache->find(g.certificate, now);
    if (!cert) {
      auto parsed = sec::Certificate::from_der(g.certificate, overlay);
      if (!parsed || !parsed->verify_chain(roots, now)) continue;
      if (cache) cache->remember(*parsed, now);
      cert = std::move(*parsed);
    }
    // §11.1 bad-node: checked on every use (the list changes; the cache does not know it).
    if (bad_nodes && bad_nodes->refuse(*cert, sec::BadNodes::Refused::kData)) continue;
    ok.push_back(std::move(*cert));
  }
  return CertificateVerifier(std::move(ok));
}

const sec::Certificate* CertificateVerifier::find(const wire::SignerIdentity& id) const {
  for (const sec::Certificate& c : trusted_) {
    if (identity_matches(id, c)) return &c;
  }
  return nullptr;
}

std::optional<SignerInfo> CertificateVerifier::verify(const wire::Signature& signature,
                                                      ByteView input) {
  auto alg = sec::accepted_signature_algorithm(signature.algorithm.hash,
                                              signature.algorithm.signature);
  if (!alg) return std::nullopt;
  const sec::Certificate* cert = find(signature.identity);
  if (!cert) return std::nullopt;
  if (!sec::verify(*cert, *alg, input, signature.value)) return std::nullopt;
  return signer_info(*cert);
}

std::optional<wire::GenericCertificate> CertificateVerifier::certificate_for(
    const wire::SignerIdentity& id) const {
  const sec::Certificate* cert = find(id);
  if (!cert) return std::nullopt;
  return wire::GenericCertificate{wire::CertificateType::kX509,
                                  Bytes(cert->der().begin(), cert->der().end())};
}

std::optional<SignerInfo> CertificateVerifier::message_signer(const wire::Message& m) const {
  const sec::Certificate* cert = find(m.security.signature.identity);
  if (!cert) return std::nullopt;
  return signer_info(*cert);
}

CertificateSigner::CertificateSigner(sec::Certificate cert, sec::PrivateKey key)
    : cert_(std::move(cert)), key_(std::move(key)) {
  identity_.type = wire::SignerIdentityType::kCertHash;
  identity_.hash_alg = wire::kHashSha256;
  auto h = sec::cert_hash(sec::HashAlgorithm::sha256, cert_.der());
  if (h) identity_.hash = std::move(*h);
}

wire::Signature CertificateSigner::sign(ByteView input) {
  wire::Signature s;
  auto alg = sec::default_algorithm(key_.type());
  s.algorithm.hash = static_cast<std::uint8_t>(alg.hash);
  s.algorithm.signature = static_cast<std::uint8_t>(alg.signature);
  s.identity = identity_;
  // Only an OpenSSL fault fails here; an empty signature is then refused by every verifier.
  auto value = sec::sign(key_, alg, input);
  if (value) s.value = std::move(*value);
  return s;
}

}  // namespace p2psip::storage
