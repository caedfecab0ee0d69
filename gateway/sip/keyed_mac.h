#pragma once
// HMAC-SHA256 under a key that never leaves the process, with a fixed prefix that separates
// one use from another: the gateway's self-verifying tokens (route_token.h,
// stateless_branch.h). Pure apart from OpenSSL.
//
// Cost: OpenSSL 3's one-shot HMAC() fetches the algorithm and sets the key on every call (~5%
// of the gateway's CPU at 3,000 calls/s, perf 2026-12-06). The key and the prefix are taken
// into one context at construction; each digest copies that context (EVP_MAC_CTX_dup).

#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

struct evp_mac_ctx_st;

namespace p2psip::sip {

class KeyedMac {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  using Key = std::array<unsigned char, kKeyBytes>;

  KeyedMac(const Key& key, std::string_view prefix);  // aborts if OpenSSL has no HMAC-SHA256
  // A key from OpenSSL's RNG (aborts the process if the RNG fails: no silent weak key).
  static Key random_key();

  // Lowercase hex of the first `bytes` bytes of HMAC(key, prefix || parts...), the parts taken
  // in as they are (length-prefix a variable part followed by another: length_prefix()).
  // Empty on an OpenSSL fault, which never equals a token.
  std::string hex(std::initializer_list<std::string_view> parts, std::size_t bytes) const;
  // `n` as 4 big-endian bytes.
  static std::string length_prefix(std::size_t n);

 private:
  // Never changed after construction (only copied), so copies of a KeyedMac may share it.
  std::shared_ptr<evp_mac_ctx_st> keyed_;
};

// Constant-time comparison of two tokens (false when the lengths differ).
bool same_token(std::string_view a, std::string_view b);

}  // namespace p2psip::sip
