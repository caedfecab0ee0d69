#pragma once
// A bounded memo of certificates that passed CertificateVerifier::from_block's checks (parse as
// a RELOAD certificate of the overlay, PKIX chain to one of its roots), keyed by their exact DER
// bytes. Parsing and chain validation with OpenSSL 3 cost far more than the signature check
// itself, and every Fetch answer and Store carries the same few certificates again and again
// (profiled: 37% of the gateway's CPU under overlay-routed calls). An entry is reused for max_age
// after its verification, so an expiring certificate or root is noticed within max_age;
// failures are never remembered. Time comes in as a value (no clock of its own); one cache
// belongs to one overlay and one root set. Thread-safe.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/bytes.h"
#include "overlay/security/certificate.h"

namespace p2psip::storage {

class VerifiedCertificateCache {
 public:
  explicit VerifiedCertificateCache(std::size_t capacity = 1024,
                                    std::chrono::seconds max_age = std::chrono::seconds{60})
      : capacity_(capacity), max_age_(max_age) {}

  // The certificate for `der` when it passed the checks within max_age before `now`.
  std::optional<security::Certificate> find(ByteView der, security::SysSeconds now);
  // Remembers a certificate that passed the checks at `now`. When full, starts over (bounded
  // memory whatever peers send; a refill costs one verification per certificate).
  void remember(const security::Certificate& cert, security::SysSeconds now);

  std::size_t size() const;
  std::size_t hits() const;

 private:
  struct Entry {
    security::Certificate cert;
    security::SysSeconds verified_at;
  };
  std::size_t capacity_;
  std::chrono::seconds max_age_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::size_t hits_ = 0;
};

}  // namespace p2psip::storage
