#include <doctest/doctest.h>

#include "overlay/security/signature.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;
using p2psip::Bytes;
using p2psip::to_hex;

namespace {

IssuedCredentials credentials(KeyType type) {
  auto issued = ec_ca().issue({kUser, {node_id(5)}, type, 30}, kNow);
  REQUIRE(issued.has_value());
  return std::move(issued).value();
}

}  // namespace

TEST_CASE("algorithm numbers are the TLS registry's") {
  CHECK(static_cast<int>(SignatureAlgorithm::rsa) == 1);
  CHECK(static_cast<int>(SignatureAlgorithm::ecdsa) == 3);
  CHECK(static_cast<int>(HashAlgorithm::sha1) == 2);
  CHECK(static_cast<int>(HashAlgorithm::sha256) == 4);
  CHECK(default_algorithm(KeyType::rsa2048) == kRsaSha256);
  CHECK(default_algorithm(KeyType::ec_p256) == kEcdsaSha256);
}

TEST_CASE("sign and verify, both algorithms; tampering fails") {
  for (KeyType type : {KeyType::rsa2048, KeyType::ec_p256}) {
    CAPTURE(key_type_name(type));
    IssuedCredentials c = credentials(type);
    SignatureAndHash alg = default_algorithm(type);
    Bytes data = p2psip::to_bytes("overlay || transaction_id || MessageContents || SignerIdentity");
    auto sig = sign(c.key, alg, data);
    REQUIRE_MESSAGE(sig.has_value(), sig.error());
    if (type == KeyType::rsa2048) CHECK(sig->size() == 256);
    CHECK(verify(c.certificate, alg, data, *sig).has_value());

    Bytes tampered_data = data;
    tampered_data[3] ^= std::byte{1};
    CHECK_FALSE(verify(c.certificate, alg, tampered_data, *sig).has_value());
    Bytes tampered_sig = *sig;
    tampered_sig[tampered_sig.size() / 2] ^= std::byte{0x40};
    auto bad = verify(c.certificate, alg, data, tampered_sig);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == "signature does not verify");
    CHECK_FALSE(verify(c.certificate, alg, data, {}).has_value());
    // Someone else's certificate does not verify it either.
    IssuedCredentials other = credentials(type);
    CHECK_FALSE(verify(other.certificate, alg, data, *sig).has_value());
  }
}

TEST_CASE("algorithm must match the key and be supported") {
  IssuedCredentials rsa = credentials(KeyType::rsa2048);
  IssuedCredentials ec = credentials(KeyType::ec_p256);
  Bytes data = p2psip::to_bytes("x");
  CHECK_FALSE(sign(rsa.key, kEcdsaSha256, data).has_value());
  CHECK_FALSE(sign(ec.key, kRsaSha256, data).has_value());
  auto sha1 = sign(rsa.key, {HashAlgorithm::sha1, SignatureAlgorithm::rsa}, data);
  REQUIRE_FALSE(sha1.has_value());
  CHECK(sha1.error().find("unsupported") != std::string::npos);
  auto sig = sign(rsa.key, kRsaSha256, data);
  REQUIRE(sig.has_value());
  CHECK_FALSE(verify(ec.certificate, kRsaSha256, data, *sig).has_value());
}

TEST_CASE("cert_hash known answers (FIPS 180-2 'abc') and H(NodeId || certificate)") {
  // printf abc | openssl dgst -sha256 ; printf abc | openssl dgst -sha1
  Bytes abc = p2psip::to_bytes("abc");
  CHECK(to_hex(*cert_hash(HashAlgorithm::sha256, abc)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(*cert_hash(HashAlgorithm::sha1, abc)) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK_FALSE(cert_hash(HashAlgorithm::md5, abc).has_value());

  // Node-ID 0x61 0x62 ... is "ab..." : H(NodeId || cert) must equal H of the concatenation.
  NodeId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::byte>('a' + i);
  Bytes tail = p2psip::to_bytes("certificate");
  Bytes joined(id.begin(), id.end());
  joined.insert(joined.end(), tail.begin(), tail.end());
  CHECK(*cert_hash_node_id(HashAlgorithm::sha256, id, tail) == *cert_hash(HashAlgorithm::sha256, joined));
  // printf 'abcdefghijklmnopcertificate' | openssl dgst -sha256
  CHECK(to_hex(*cert_hash(HashAlgorithm::sha256, joined)) ==
        "4182b2d979dc281a1b09ac9307cb32542ec39eb7442c4ef54eda6f9518d1465a");
}

TEST_CASE("stored-data signature input layout (RFC 6940 §7.1)") {
  Bytes rid{std::byte{0xaa}, std::byte{0xbb}};
  Bytes value{std::byte{1}, std::byte{2}, std::byte{3}};
  Bytes signer{std::byte{9}};
  Bytes in = stored_data_signature_input(rid, 1, 0x0102030405060708ULL, value, signer);
  CHECK(to_hex(in) == "aabb" "00000001" "0102030405060708" "010203" "09");
}
