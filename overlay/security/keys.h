#pragma once
// Private keys: generation (RSA-2048, EC P-256), PEM in and out, key files written 0600.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/handles.h"

namespace p2psip::security {

enum class KeyType { rsa2048, ec_p256 };

// "rsa" -> rsa2048, "ec" -> ec_p256; anything else -> nullopt.
std::optional<KeyType> parse_key_type(std::string_view name);
std::string_view key_type_name(KeyType type);  // "rsa" / "ec"

class PrivateKey {
 public:
  static Expected<PrivateKey, std::string> generate(KeyType type);
  // PKCS#8 or traditional PEM, unencrypted. Only RSA (>= 2048 bits) and EC P-256 keys.
  static Expected<PrivateKey, std::string> from_pem(ByteView pem);
  static Expected<PrivateKey, std::string> load(const std::filesystem::path& path);

  KeyType type() const { return type_; }
  EVP_PKEY* get() const { return key_.get(); }
  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
  Expected<Bytes, std::string> to_pem() const;
  // Writes a new file with mode 0600; fails if it exists.
  Expected<void, std::string> save(const std::filesystem::path& path) const;

 private:
  PrivateKey(EvpPkeyPtr key, KeyType type) : key_(std::move(key)), type_(type) {}
  EvpPkeyPtr key_;
  KeyType type_;
};

// The key type of any RSA (>= 2048 bits) or EC P-256 key, public or private; an error otherwise.
Expected<KeyType, std::string> classify_key(EVP_PKEY* key);

}  // namespace p2psip::security
