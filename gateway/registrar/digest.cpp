#include "gateway/registrar/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <cstdint>

#include "common/text.h"

namespace p2psip::registrar {

namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::array<unsigned char, 8> be64(std::uint64_t v) {
  std::array<unsigned char, 8> out{};
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = v & 0xff;
  return out;
}

}  // namespace

std::optional<DigestAlgorithm> parse_algorithm(std::string_view name) {
  if (name.empty() || iequals(name, "MD5")) return DigestAlgorithm::kMd5;
  if (iequals(name, "SHA-256")) return DigestAlgorithm::kSha256;
  return std::nullopt;
}

const char* to_string(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5 ? "MD5" : "SHA-256"; }

std::string digest_hex(DigestAlgorithm a, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const EVP_MD* md = a == DigestAlgorithm::kMd5 ? EVP_md5() : EVP_sha256();
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) return {};
  return to_hex(out, size);
}

std::string digest_response(DigestAlgorithm a, const DigestInput& in) {
  auto join = [](std::initializer_list<std::string_view> parts) {
    std::string s;
    bool first = true;
    for (auto p : parts) {
      if (!first) s += ':';
      s += p;
      first = false;
    }
    return s;
  };
  std::string ha1 = digest_hex(a, join({in.username, in.realm, in.password}));
  std::string ha2 = digest_hex(a, join({in.method, in.uri}));
  if (in.qop.empty()) return digest_hex(a, join({ha1, in.nonce, ha2}));
  return digest_hex(a, join({ha1, in.nonce, in.nc, in.cnonce, in.qop, ha2}));
}

bool responses_equal(std::string_view expected, std::string_view received) {
  if (expected.size() != received.size() || expected.empty()) return false;
  std::string a = ascii_lower(expected), b = ascii_lower(received);  // hex digits
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

NonceIssuer::NonceIssuer(std::string secret, std::string realm, Millis lifetime)
    : secret_(std::move(secret)), realm_(std::move(realm)), lifetime_(lifetime) {}

std::string NonceIssuer::mac_hex(std::uint64_t issued_ms) const {
  auto stamp = be64(issued_ms);
  std::string data(reinterpret_cast<const char*>(stamp.data()), stamp.size());
  data += realm_;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size)) {
    return {};
  }
  return to_hex(mac, 16);
}

std::string NonceIssuer::issue(Millis now) const {
  auto ms = static_cast<std::uint64_t>(now.count());
  auto stamp = be64(ms);
  return to_hex(stamp.data(), stamp.size()) + mac_hex(ms);
}

std::optional<Millis> NonceIssuer::issued_at(std::string_view nonce) {
  if (nonce.size() != 48) return std::nullopt;
  std::uint64_t ms = 0;
  for (char c : nonce.substr(0, 16)) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    ms = (ms << 4) | static_cast<std::uint64_t>(v);
  }
  if (ms > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return Millis{static_cast<std::int64_t>(ms)};
}

NonceState NonceIssuer::check(std::string_view nonce, Millis now) const {
  auto issued = issued_at(nonce);
  if (!issued) return NonceState::kInvalid;
  std::string mac = mac_hex(static_cast<std::uint64_t>(issued->count()));
  if (mac.size() != 32 || CRYPTO_memcmp(mac.data(), nonce.data() + 16, 32) != 0) {
    return NonceState::kInvalid;
  }
  if (*issued > now + kMaxClockSkew) return NonceState::kInvalid;  // from the future: not ours
  return now - *issued > lifetime_ ? NonceState::kStale : NonceState::kValid;
}

}  // namespace p2psip::registrar
