#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "overlay/security/keys.h"

using namespace p2psip::security;

TEST_CASE("keys: generate, PEM round trip, save 0600, refuse to overwrite") {
  for (KeyType type : {KeyType::rsa2048, KeyType::ec_p256}) {
    CAPTURE(key_type_name(type));
    auto key = PrivateKey::generate(type);
    REQUIRE(key.has_value());
    CHECK(key->type() == type);
    auto pem = key->to_pem();
    REQUIRE(pem.has_value());
    auto back = PrivateKey::from_pem(*pem);
    REQUIRE(back.has_value());
    CHECK(back->type() == type);
    CHECK(EVP_PKEY_eq(key->get(), back->get()) == 1);

    auto dir = std::filesystem::temp_directory_path() /
               ("p2p-keys-" + std::to_string(::getpid()) + std::string(key_type_name(type)));
    std::filesystem::create_directories(dir);
    auto path = dir / "k.key";
    REQUIRE(key->save(path).has_value());
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(key->save(path).has_value());
    auto loaded = PrivateKey::load(path);
    REQUIRE(loaded.has_value());
    CHECK(EVP_PKEY_eq(key->get(), loaded->get()) == 1);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("keys: parse_key_type and junk PEM") {
  CHECK(parse_key_type("rsa") == KeyType::rsa2048);
  CHECK(parse_key_type("ec") == KeyType::ec_p256);
  CHECK_FALSE(parse_key_type("dsa").has_value());
  auto junk = PrivateKey::from_pem(p2psip::as_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n"));
  CHECK_FALSE(junk.has_value());
}
