#include "overlay/security/keys.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <array>

#include "overlay/security/files.h"

namespace p2psip::security {

std::optional<KeyType> parse_key_type(std::string_view name) {
  if (name == "rsa") return KeyType::rsa2048;
  if (name == "ec") return KeyType::ec_p256;
  return std::nullopt;
}

std::string_view key_type_name(KeyType type) {
  return type == KeyType::rsa2048 ? "rsa" : "ec";
}

Expected<KeyType, std::string> classify_key(EVP_PKEY* key) {
  if (key == nullptr) return unexpected(std::string("no key"));
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) return unexpected(std::string("RSA key shorter than 2048 bits"));
    return KeyType::rsa2048;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                       group.size(), &len) != 1) {
      return unexpected(openssl_error("EC key without a named curve"));
    }
    if (std::string_view(group.data(), len) != "prime256v1") {
      return unexpected("EC key on curve " + std::string(group.data(), len) + ", not P-256");
    }
    return KeyType::ec_p256;
  }
  return unexpected(std::string("unsupported key type (only RSA and EC P-256)"));
}

Expected<PrivateKey, std::string> PrivateKey::generate(KeyType type) {
  EvpPkeyPtr key(type == KeyType::rsa2048
                     ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return unexpected(openssl_error("key generation failed"));
  return PrivateKey(std::move(key), type);
}

Expected<PrivateKey, std::string> PrivateKey::from_pem(ByteView pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return unexpected(openssl_error("cannot read key"));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return unexpected(openssl_error("not a PEM private key"));
  auto type = classify_key(key.get());
  if (!type) return unexpected(type.error());
  return PrivateKey(std::move(key), *type);
}

Expected<PrivateKey, std::string> PrivateKey::load(const std::filesystem::path& path) {
  auto pem = read_file(path);
  if (!pem) return unexpected(pem.error());
  auto key = from_pem(*pem);
  if (!key) return unexpected(path.string() + ": " + key.error());
  return key;
}

Expected<Bytes, std::string> PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                                            nullptr, nullptr) != 1) {
    return unexpected(openssl_error("cannot encode private key"));
  }
  return bio_contents(bio.get());
}

Expected<void, std::string> PrivateKey::save(const std::filesystem::path& path) const {
  auto pem = to_pem();
  if (!pem) return unexpected(pem.error());
  NewFile file{path, *pem, 0600};
  return write_new_files(std::span<const NewFile>(&file, 1));
}

}  // namespace p2psip::security
