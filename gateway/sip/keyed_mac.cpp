#include "gateway/sip/keyed_mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

namespace p2psip::sip {

namespace {

using MacCtx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

bool update(EVP_MAC_CTX* ctx, std::string_view bytes) {
  return EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == 1;
}

// HMAC-SHA256 under `key` with `prefix` taken in; null when OpenSSL cannot provide it.
EVP_MAC_CTX* keyed_context(const KeyedMac::Key& key, std::string_view prefix) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                         &EVP_MAC_free);
  if (!mac) return nullptr;
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free);  // holds its own reference to mac
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      !update(ctx.get(), prefix)) {
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

KeyedMac::KeyedMac(const Key& key, std::string_view prefix)
    : keyed_(keyed_context(key, prefix), &EVP_MAC_CTX_free) {
  if (!keyed_) std::abort();  // no HMAC-SHA256: the gateway could not recognise its own tokens
}

KeyedMac::Key KeyedMac::random_key() {
  Key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
  return key;
}

std::string KeyedMac::length_prefix(std::size_t n) {
  auto v = static_cast<std::uint32_t>(n);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff),
                         static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
  return std::string(bytes, sizeof bytes);
}

std::string KeyedMac::hex(std::initializer_list<std::string_view> parts, std::size_t bytes) const {
  MacCtx ctx(EVP_MAC_CTX_dup(keyed_.get()), &EVP_MAC_CTX_free);
  if (!ctx) return {};
  for (std::string_view part : parts) {
    if (!update(ctx.get(), part)) return {};
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), mac, &len, sizeof mac) != 1 || len < bytes) return {};
  return to_hex(mac, bytes);
}

bool same_token(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace p2psip::sip
