#pragma once
// HTTP Digest for SIP (RFC 7616, RFC 2617, RFC 3261 §22.4): the response computation for MD5
// and SHA-256 with qop=auth (and the RFC 2069 form without qop, for verifying test vectors),
// and stateless nonces. Pure apart from OpenSSL's hash functions: time and the secret come in.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace p2psip::registrar {

enum class DigestAlgorithm { kMd5, kSha256 };

// "MD5" (also an empty/absent algorithm) or "SHA-256", case-insensitive; -sess variants and
// anything else: nullopt.
std::optional<DigestAlgorithm> parse_algorithm(std::string_view name);
const char* to_string(DigestAlgorithm a);  // "MD5", "SHA-256"

// Lower-case hex of the hash of data.
std::string digest_hex(DigestAlgorithm a, std::string_view data);

struct DigestInput {
  std::string_view username;
  std::string_view realm;
  std::string_view password;
  std::string_view method;  // "REGISTER"
  std::string_view uri;     // the digest uri parameter
  std::string_view nonce;
  std::string_view nc;      // with qop
  std::string_view cnonce;  // with qop
  std::string_view qop;     // "auth", or empty for the RFC 2069 form
};

// response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2)), A1 = user:realm:password,
// A2 = method:uri (RFC 7616 §3.4.1); without qop H(H(A1) ":" nonce ":" H(A2)).
std::string digest_response(DigestAlgorithm a, const DigestInput& in);

// Constant-time comparison of two hex responses (case-insensitive).
bool responses_equal(std::string_view expected, std::string_view received);

enum class NonceState { kValid, kStale, kInvalid };

// Nonces that need no state: hex(issue time in ms, 8 bytes) || hex(8 random bytes) ||
// hex(first 16 bytes of HMAC-SHA256(secret, those 16 bytes || realm)). The random part keeps
// two challenges of the same millisecond apart: with one nonce for two phones, the second
// phone's nc=1 looked like a replay of the first's (NonceCounter). A nonce this issuer did not make (or made for
// another realm, or with another secret) is kInvalid; one older than `lifetime` is kStale, so
// the client is challenged again with stale=true and retries without asking the user.
// Gateways sharing the secret check each other's nonces, so time is the wall clock (the
// caller's); a nonce up to kMaxClockSkew ahead of `now` (another host's clock) is still valid.
class NonceIssuer {
 public:
  static constexpr Millis kMaxClockSkew{30'000};
  NonceIssuer(std::string secret, std::string realm, Millis lifetime = Millis{300'000});
  std::string issue(Millis now) const;
  NonceState check(std::string_view nonce, Millis now) const;
  // The issue time written in a nonce's first 16 hex digits (not authenticated: check() first).
  static std::optional<Millis> issued_at(std::string_view nonce);
  Millis lifetime() const { return lifetime_; }

 private:
  std::string mac_hex(std::string_view stamp_and_salt) const;  // the 16 leading bytes

  std::string secret_;
  std::string realm_;
  Millis lifetime_;
};

}  // namespace p2psip::registrar
