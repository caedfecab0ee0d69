#pragma once
// Remembers stored-data signatures that verified, so a fetcher looking the same value up again
// and again (the gateway: one Fetch per INVITE) does not repeat the ECDSA/RSA verification
// (~200 us for P-256 here, about 12% of the gateway's CPU per overlay-routed call).
//
// The key is the exact signature value, the signer identity and SHA-256 of the exact signed
// input, so only a byte-identical (input, signature, signer) can hit. A hit still requires the
// signer's certificate among those the current verifier trusts (the answer carried it and it
// chained to the overlay's roots just now), so a certificate that stopped verifying also stops
// its memoized signatures. Entries live max_age; failures are never remembered.
//
// Threads: a SignatureMemo may be shared by verifiers on different threads (the gateway's
// lookups on the loop and the Node's verify worker warming it, overlay/api/usage_glue.h):
// TimedMemo locks each find and remember, and MemoizingVerifier holds no lock while its inner
// verifier runs. A MemoizingVerifier itself is used by one thread at a time.

#include <memory>
#include <optional>

#include "overlay/security/certificate.h"
#include "overlay/storage/signing.h"
#include "overlay/storage/timed_memo.h"

namespace p2psip::storage {

// Stored-data signatures that verified, by memo_key() (signature_memo.cpp).
class SignatureMemo : public TimedMemo<SignerInfo> {
 public:
  explicit SignatureMemo(std::size_t capacity = 4096,
                         std::chrono::seconds max_age = std::chrono::seconds{60})
      : TimedMemo(capacity, max_age) {}
};

// A DataVerifier that consults a SignatureMemo before the verifier it wraps.
class MemoizingVerifier final : public DataVerifier {
 public:
  MemoizingVerifier(std::unique_ptr<DataVerifier> inner, std::shared_ptr<SignatureMemo> memo,
                    security::SysSeconds now)
      : inner_(std::move(inner)), memo_(std::move(memo)), now_(now) {}

  std::optional<SignerInfo> verify(const wire::Signature& signature, ByteView input) override;
  std::optional<wire::GenericCertificate> certificate_for(
      const wire::SignerIdentity& id) const override {
    return inner_->certificate_for(id);
  }

 private:
  std::unique_ptr<DataVerifier> inner_;
  std::shared_ptr<SignatureMemo> memo_;
  security::SysSeconds now_;
};

}  // namespace p2psip::storage
