#include "overlay/storage/cert_verifier.h"

#include <algorithm>

#include "overlay/security/signature.h"
#include "overlay/storage/signer_identity.h"

namespace p2psip::storage {

namespace sec = p2psip::security;

SignerInfo signer_info(const sec::Certificate& cert) {
  SignerInfo info;
  info.user = cert.user();
  for (const sec::NodeId& n : cert.node_ids()) info.node_ids.emplace_back(n);
  return info;
}

CertificateVerifier::CertificateVerifier(std::vector<sec::Certificate> trusted,
                                         KnownCertificates* known, sec::SysSeconds now)
    : trusted_(std::move(trusted)), known_(known), now_(now) {}

CertificateVerifier CertificateVerifier::from_block(
    std::span<const wire::GenericCertificate> certs, std::span<const sec::RootCertificate> roots,
    sec::SysSeconds now, std::string_view overlay, VerifiedCertificateCache* cache,
    KnownCertificates* known, sec::BadNodes* bad_nodes) {
  std::vector<sec::Certificate> ok;
  for (const wire::GenericCertificate& g : certs) {
    if (g.type != wire::CertificateType::kX509) continue;
    std::optional<sec::Certificate> cert;
    if (cache) cert = cache->find(g.certificate, now);
    if (!cert) {
      auto parsed = sec::Certificate::from_der(g.certificate, overlay);
      if (!parsed || !parsed->verify_chain(roots, now)) continue;
      if (cache) cache->remember(*parsed, now);
      if (known) known->remember(*parsed, now);
      cert = std::move(*parsed);
    }
    // §11.1 bad-node: checked on every use (the list changes; the cache does not know it).
    if (bad_nodes && bad_nodes->refuse(*cert, sec::BadNodes::Refused::kData)) continue;
    ok.push_back(std::move(*cert));
  }
  CertificateVerifier v(std::move(ok), known, now);
  v.bad_nodes_ = bad_nodes;
  return v;
}

const sec::Certificate* CertificateVerifier::find(const wire::SignerIdentity& id) const {
  for (const sec::Certificate& c : trusted_) {
    if (identity_names(id, c)) return &c;
  }
  if (!known_) return nullptr;
  auto cert = known_->find(id, now_);
  if (!cert) return nullptr;
  if (bad_nodes_ && bad_nodes_->refuse(*cert, sec::BadNodes::Refused::kData)) return nullptr;
  looked_up_.push_back(cert);
  return cert.get();
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

CertificateSigner::CertificateSigner(sec::Certificate cert, sec::PrivateKey key,
                                     std::optional<sec::NodeId> signing)
    : cert_(std::move(cert)), key_(std::move(key)) {
  if (!signing && !cert_.node_ids().empty()) signing = cert_.node_ids().front();
  identity_ = signer_identity(cert_, signing.value_or(sec::NodeId{}));
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
