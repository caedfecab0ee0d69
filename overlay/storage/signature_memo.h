#pragma once
// Remembers stored-data signatures that verified, so a fetcher looking the same value up again
// and again (the gateway: one Fetch per INVITE) does not repeat the ECDSA/RSA verification
// (~200 us for P-256 here, about 12% of the gateway's CPU per overlay-routed call).
//
// The key is the exact signature value, the signer identity and SHA-256 of the exact signed
// input, so only a byte-identical (input, signature, signer) can hit. A hit still requires the
// signer's certificate among those the current verifier trusts (the answer carried it and it
// chained to the overlay's roots just now), so a certificate that stopped verifying also stops
// its memoized signatures. Entries live max_age; failures are never remembered. Bounded:
// when full it starts over. Time comes in as a value. Thread-safe.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "overlay/security/certificate.h"
#include "overlay/storage/signing.h"

namespace p2psip::storage {

class SignatureMemo {
 public:
  explicit SignatureMemo(std::size_t capacity = 4096,
                         std::chrono::seconds max_age = std::chrono::seconds{60})
      : capacity_(capacity), max_age_(max_age) {}

  std::optional<SignerInfo> find(const std::string& key, security::SysSeconds now);
  void remember(std::string key, SignerInfo signer, security::SysSeconds now);
  std::size_t hits() const;

 private:
  struct Entry {
    SignerInfo signer;
    security::SysSeconds verified_at;
  };
  std::size_t capacity_;
  std::chrono::seconds max_age_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::size_t hits_ = 0;
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
