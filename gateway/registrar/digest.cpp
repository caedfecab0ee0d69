#include "gateway/registrar/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
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

// A lower-case hex digit's value (the nonce is ours: we write lower case), -1 otherwise.
int hex_digit(char c) {
  return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
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

std::string NonceIssuer::mac_hex(std::string_view stamp_and_salt) const {
  std::string data(stamp_and_salt);
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
  std::array<unsigned char, 16> head{};
  auto stamp = be64(static_cast<std::uint64_t>(now.count()));
  std::copy(stamp.begin(), stamp.end(), head.begin());
  if (RAND_bytes(head.data() + 8, 8) != 1) return {};  // no nonce: check() refuses "" as invalid
  return to_hex(head.data(), head.size()) +
         mac_hex(std::string_view(reinterpret_cast<const char*>(head.data()), head.size()));
}

std::optional<Millis> NonceIssuer::issued_at(std::string_view nonce) {
  if (nonce.size() != 64) return std::nullopt;
  std::uint64_t ms = 0;
  for (char c : nonce.substr(0, 16)) {
    int v = hex_digit(c);
    if (v < 0) return std::nullopt;
    ms = (ms << 4) | static_cast<std::uint64_t>(v);
  }
  if (ms > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return Millis{static_cast<std::int64_t>(ms)};
}

NonceState NonceIssuer::check(std::string_view nonce, Millis now) const {
  auto issued = issued_at(nonce);
  if (!issued) return NonceState::kInvalid;
  std::string head;  // the 16 bytes the first 32 hex digits spell
  for (std::size_t i = 0; i < 32; i += 2) {
    int hi = hex_digit(nonce[i]), lo = hex_digit(nonce[i + 1]);
    if (hi < 0 || lo < 0) return NonceState::kInvalid;
    head.push_back(static_cast<char>(hi * 16 + lo));
  }
  std::string mac = mac_hex(head);
  if (mac.size() != 32 || CRYPTO_memcmp(mac.data(), nonce.data() + 32, 32) != 0) {
    return NonceState::kInvalid;
  }
  if (*issued > now + kMaxClockSkew) return NonceState::kInvalid;  // from the future: not ours
  return now - *issued > lifetime_ ? NonceState::kStale : NonceState::kValid;
}

}  // namespace p2psip::registrar
