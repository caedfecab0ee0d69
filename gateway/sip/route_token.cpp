#include "gateway/sip/route_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

namespace p2psip::sip {

namespace {

constexpr std::size_t kTokenBytes = 16;  // 128 bits: no online guessing gets anywhere

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xf]);
  }
  return out;
}

}  // namespace

RouteToken RouteToken::random() {
  Key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
  return RouteToken(key);
}

std::string RouteToken::make(std::string_view call_id, std::string_view from_tag) const {
  // Length-prefixed Call-ID: ("ab", "c") and ("a", "bc") must not give the same input.
  std::string input = "p2psip-rr-v1";
  auto n = static_cast<std::uint32_t>(call_id.size());
  for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<char>((n >> shift) & 0xff));
  input.append(call_id);
  input.append(from_tag);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len) ||
      len < kTokenBytes) {
    return {};
  }
  return to_hex(mac, kTokenBytes);
}

bool RouteToken::verify(std::string_view token, std::string_view call_id,
                        std::string_view from_tag, std::string_view to_tag) const {
  if (token.size() != 2 * kTokenBytes) return false;
  for (std::string_view tag : {from_tag, to_tag}) {
    if (tag.empty()) continue;
    std::string expected = make(call_id, tag);
    if (expected.size() == token.size() &&
        CRYPTO_memcmp(expected.data(), token.data(), token.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace p2psip::sip
