#pragma once
// DataVerifier and DataSigner on overlay/security certificates and keys.
//
// CertificateVerifier finds the signer's certificate by its SignerIdentity (cert_hash or
// cert_hash_node_id) among certificates the caller trusts, and checks the signature with its
// key under the algorithm whitelist of security/algorithms.h. from_block() builds one from the
// certificates a message carried, keeping only those that parse as RELOAD certificates of the
// overlay and chain to one of its roots, and whose Node-IDs no bad-node entry lists (RFC 6940
// §11.1; counted in `bad_nodes`); with a cache, certificates verified recently are not parsed
// again. With a KnownCertificates (known_certificates.h), the certificates that passed are
// remembered there, and a signer whose certificate the message did not carry is looked up there
// (RFC 6940 §6.3.4: certificates MAY be omitted where another distribution mechanism, the §8
// certificate store, exists); the bad-node entries apply to those too.

#include <span>
#include <string_view>
#include <vector>

#include "overlay/security/bad_nodes.h"
#include "overlay/security/certificate.h"
#include "overlay/storage/cert_cache.h"
#include "overlay/storage/known_certificates.h"
#include "overlay/security/keys.h"
#include "overlay/storage/signing.h"
#include "overlay/wire/message.h"

namespace p2psip::storage {

class CertificateVerifier final : public DataVerifier {
 public:
  explicit CertificateVerifier(std::vector<security::Certificate> trusted,
                               KnownCertificates* known = nullptr,
                               security::SysSeconds now = {});
  static CertificateVerifier from_block(std::span<const wire::GenericCertificate> certs,
                                        std::span<const security::RootCertificate> roots,
                                        security::SysSeconds now, std::string_view overlay,
                                        VerifiedCertificateCache* cache = nullptr,
                                        KnownCertificates* known = nullptr,
                                        security::BadNodes* bad_nodes = nullptr);

  std::optional<SignerInfo> verify(const wire::Signature& signature, ByteView input) override;
  std::optional<wire::GenericCertificate> certificate_for(
      const wire::SignerIdentity& id) const override;
  std::optional<SignerInfo> message_signer(const wire::Message& m) const override;
  std::size_t size() const { return trusted_.size(); }

 private:
  const security::Certificate* find(const wire::SignerIdentity& id) const;
  std::vector<security::Certificate> trusted_;
  KnownCertificates* known_ = nullptr;
  security::BadNodes* bad_nodes_ = nullptr;  // applies to certificates found in known_ too
  security::SysSeconds now_{};
  mutable std::vector<KnownCertificates::CertPtr> looked_up_;  // keeps find()'s results alive
};

// Signs with a certificate's key as `signing` (one of its Node-IDs; the first when not given):
// SignerIdentity cert_hash, or cert_hash_node_id for a certificate with several Node-IDs
// (signer_identity.h, §6.3.4).
class CertificateSigner final : public DataSigner {
 public:
  CertificateSigner(security::Certificate cert, security::PrivateKey key,
                    std::optional<security::NodeId> signing = std::nullopt);
  wire::SignerIdentity identity() const override { return identity_; }
  wire::Signature sign(ByteView input) override;
  const security::Certificate& certificate() const { return cert_; }

 private:
  security::Certificate cert_;
  security::PrivateKey key_;
  wire::SignerIdentity identity_;
};

SignerInfo signer_info(const security::Certificate& cert);

}  // namespace p2psip::storage
