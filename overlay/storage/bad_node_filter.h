#pragma once
// A DataVerifier that refuses signers a bad-node entry lists (RFC 6940 §11.1: "the certificate
// with this Node-ID MUST NOT be considered valid"), whatever the verifier it wraps says: a
// lookup must not use a value signed by such a certificate, even one stored (or memoized as
// verified, signature_memo.h) before the entry appeared. Refusals are counted as kData.

#include <memory>

#include "overlay/security/bad_nodes.h"
#include "overlay/storage/signing.h"

namespace p2psip::storage {

class BadNodeFilter final : public DataVerifier {
 public:
  // `bad_nodes` must outlive this verifier.
  BadNodeFilter(std::unique_ptr<DataVerifier> inner, security::BadNodes& bad_nodes)
      : inner_(std::move(inner)), bad_nodes_(bad_nodes) {}

  std::optional<SignerInfo> verify(const wire::Signature& signature, ByteView input) override;
  std::optional<SignerInfo> message_signer(const wire::Message& m) const override {
    return inner_->message_signer(m);
  }
  bool judges_message_signer() const override { return inner_->judges_message_signer(); }
  std::optional<wire::GenericCertificate> certificate_for(const wire::SignerIdentity& id) const override {
    return inner_->certificate_for(id);
  }

 private:
  std::unique_ptr<DataVerifier> inner_;
  security::BadNodes& bad_nodes_;
};

}  // namespace p2psip::storage
