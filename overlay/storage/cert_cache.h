#pragma once
// A bounded memo of certificates that passed CertificateVerifier::from_block's checks (parse as
// a RELOAD certificate of the overlay, PKIX chain to one of its roots), keyed by their exact DER
// bytes. Parsing and chain validation with OpenSSL 3 cost far more than the signature check
// itself, and every Fetch answer and Store carries the same few certificates again and again
// (profiled: 37% of the gateway's CPU under overlay-routed calls). An entry is reused for max_age
// after its verification, so an expiring certificate or root is noticed within max_age;
// failures are never remembered. One cache belongs to one overlay and one root set.
// Thread-safe (TimedMemo's lock; a found Certificate is a copy holding its own references to
// the immutable X509 and key): the Node's verify worker fills the usage layer's cache while the
// loop reads it (overlay/api/usage_glue.h). from_block() holds no lock while it parses and
// chains, so two threads may both check a new certificate; the second remember() wins.

#include <string>

#include "common/bytes.h"
#include "overlay/security/certificate.h"
#include "overlay/storage/timed_memo.h"

namespace p2psip::storage {

class VerifiedCertificateCache : public TimedMemo<security::Certificate> {
 public:
  explicit VerifiedCertificateCache(std::size_t capacity = 1024,
                                    std::chrono::seconds max_age = std::chrono::seconds{60})
      : TimedMemo(capacity, max_age) {}

  // The certificate for `der` when it passed the checks within max_age before `now`.
  std::optional<security::Certificate> find(ByteView der, security::SysSeconds now) {
    return TimedMemo::find(key_of(der), now);
  }
  // Remembers a certificate that passed the checks at `now`.
  void remember(const security::Certificate& cert, security::SysSeconds now) {
    TimedMemo::remember(key_of(cert.der()), cert, now);
  }

 private:
  static std::string key_of(ByteView der) {
    return std::string(reinterpret_cast<const char*>(der.data()), der.size());
  }
};

}  // namespace p2psip::storage
