#include "gateway/sip/route_token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

namespace p2psip::sip {

namespace {

constexpr std::size_t kTokenBytes = 16;  // 128 bits: no online guessing gets anywhere
constexpr std::string_view kPrefix = "p2psip-rr-v1";

using MacCtx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

bool update(EVP_MAC_CTX* ctx, std::string_view bytes) {
  return EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == 1;
}

// HMAC-SHA256 under `key` with kPrefix taken in; null when OpenSSL cannot provide it.
EVP_MAC_CTX* keyed_context(const RouteToken::Key& key) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                         &EVP_MAC_free);
  if (!mac) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free);  // holds its own reference to mac
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      !update(ctx.get(), kPrefix)) {
    return nullptr;
  }
  return ctx.release();
}

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

RouteToken::RouteToken(const Key& key) : keyed_(keyed_context(key), &EVP_MAC_CTX_free) {
  if (!keyed_) std::abort();  // no HMAC-SHA256: the gateway could not recognise its routes
}

RouteToken RouteToken::random() {
  Key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
  return RouteToken(key);
}

std::string RouteToken::make(std::string_view call_id, std::string_view from_tag) const {
  // Length-prefixed Call-ID: ("ab", "c") and ("a", "bc") must not give the same input.
  auto n = static_cast<std::uint32_t>(call_id.size());
  const char length[4] = {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xff),
                          static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)};
  MacCtx ctx(EVP_MAC_CTX_dup(keyed_.get()), &EVP_MAC_CTX_free);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!ctx || !update(ctx.get(), std::string_view(length, sizeof length)) ||
      !update(ctx.get(), call_id) || !update(ctx.get(), from_tag) ||
      EVP_MAC_final(ctx.get(), mac, &len, sizeof mac) != 1 || len < kTokenBytes) {
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
