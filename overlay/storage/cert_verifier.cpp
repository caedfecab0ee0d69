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
    KnownCertificates* known) {
  std::vector<sec::Certificate> ok;
  for (const wire::GenericCertificate& g : certs) {
    if (g.type != wire::CertificateType::kX509) continue;
    if (cache) {
      if (auto hit = cache->find(g.certificate, now)) {
        ok.push_back(std::move(*hit));
        continue;
      }
    }
    auto cert = sec::Certificate::from_der(g.certificate, overlay);
    if (!cert || !cert->verify_chain(roots, now)) continue;
    if (cache) cache->remember(*cert, now);
    if (known) known->remember(*cert, now);
    ok.push_back(std::move(*cert));
  }
  return CertificateVerifier(std::move(ok), known, now);
}

const sec::Certificate* CertificateVerifier::find(const wire::SignerIdentity& id) const {
  for (const sec::Certificate& c : trusted_) {
    if (identity_names(id, c)) return &c;
  }
  if (!known_) return nullptr;
  auto cert = known_->find(id, now_);
  if (!cert) return nullptr;
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
