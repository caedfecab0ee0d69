// The one signature-algorithm whitelist (security/algorithms.h) guards both verifiers: a
// message signature (NodeSigner, RFC 6940 §6.3.4) and a stored-data signature
// (storage::CertificateVerifier, §7.1). Each is given a signature that is genuinely valid
// under an algorithm outside the whitelist (made with OpenSSL directly, since sign() refuses
// to): both must refuse it, while the same input signed under an accepted algorithm passes.
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include "overlay/peer/node_signer.h"
#include "overlay/security/algorithms.h"
#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/wire/overlay_hash.h"

using namespace p2psip;
namespace sec = p2psip::security;

namespace {

constexpr const char* kOverlayName = "ring.example.org";
const sec::SysSeconds kNow{std::chrono::seconds{1'700'000'000}};

const EVP_MD* digest(sec::HashAlgorithm h) {
  switch (h) {
    case sec::HashAlgorithm::sha1: return EVP_sha1();
    case sec::HashAlgorithm::sha256: return EVP_sha256();
    case sec::HashAlgorithm::sha384: return EVP_sha384();
    case sec::HashAlgorithm::sha512: return EVP_sha512();
    default: return nullptr;
  }
}

// A correct signature under any (hash, key) pair OpenSSL supports, policy or not.
Bytes raw_sign(const sec::PrivateKey& key, sec::HashAlgorithm hash, ByteView data) {
  sec::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  REQUIRE(ctx);
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, digest(hash), nullptr, key.get()) == 1);
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(data.data());
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) == 1);
  Bytes sig(len);
  REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                         data.size()) == 1);
  sig.resize(len);
  return sig;
}

wire::SignatureAndHashAlgorithm on_wire(sec::SignatureAndHash a) {
  return {static_cast<std::uint8_t>(a.hash), static_cast<std::uint8_t>(a.signature)};
}

struct Pki {
  sec::CertificateAuthority ca;
  sec::IssuedCredentials issue(sec::KeyType type) const {
    auto id = sec::random_node_id();
    REQUIRE(id);
    auto issued = ca.issue(sec::IssueRequest{"node@ring.example.org", {*id}, type, 30}, kNow);
    REQUIRE(issued);
    return std::move(*issued);
  }
  // Credentials and a second handle on their key (for raw_sign once the key moved away).
  std::pair<sec::IssuedCredentials, sec::PrivateKey> issue_with_key_copy(sec::KeyType type) const {
    auto creds = issue(type);
    auto key = sec::PrivateKey::from_pem(*creds.key.to_pem());
    REQUIRE(key);
    return {std::move(creds), std::move(*key)};
  }
};

Pki make_pki() {
  auto ca = sec::CertificateAuthority::create(kOverlayName, sec::KeyType::ec_p256, 30, kNow);
  REQUIRE(ca);
  return Pki{std::move(*ca)};
}

// A PingReq from `signer`, its signature made under `alg` with `key` (the signer's own).
wire::Message message_signed_with(peer::NodeSigner& signer, const sec::PrivateKey& key,
                                  sec::SignatureAndHash alg) {
  wire::Message m;
  m.header.overlay = wire::overlay_hash(kOverlayName);
  m.header.transaction_id = 77;
  m.header.destination_list.push_back(wire::Destination::node(wire::NodeId{}));
  m.contents.message_code = wire::to_u16(wire::MessageCode::kPingReq);
  m.contents.message_body = Bytes{std::byte{1}, std::byte{2}};
  Bytes input = wire::signature_input(m.header.overlay, 77, m.contents, signer.identity());
  m.security = signer.sign(input);  // the certificate and identity; signature replaced below
  m.security.signature.algorithm = on_wire(alg);
  m.security.signature.value = raw_sign(key, alg.hash, input);
  return m;
}

// Signed correctly, named honestly, and outside the whitelist.
const sec::SignatureAndHash kOutside[] = {
    {sec::HashAlgorithm::sha1, sec::SignatureAlgorithm::rsa},
    {sec::HashAlgorithm::sha384, sec::SignatureAlgorithm::rsa},
    {sec::HashAlgorithm::sha512, sec::SignatureAlgorithm::rsa},
    {sec::HashAlgorithm::sha1, sec::SignatureAlgorithm::ecdsa},
    {sec::HashAlgorithm::sha384, sec::SignatureAlgorithm::ecdsa},
};

sec::KeyType key_for(sec::SignatureAndHash alg) {
  return alg.signature == sec::SignatureAlgorithm::rsa ? sec::KeyType::rsa2048
                                                       : sec::KeyType::ec_p256;
}

}  // namespace

TEST_CASE("the whitelist is RSA/SHA-256 and ECDSA/SHA-256, and nothing else") {
  CHECK(sec::kAcceptedSignatureAlgorithms.size() == 2);
  CHECK(sec::accepted_signature_algorithm(4, 1) == sec::kRsaSha256);
  CHECK(sec::accepted_signature_algorithm(4, 3) == sec::kEcdsaSha256);
  for (const auto& alg : kOutside) {
    CHECK_FALSE(sec::signature_algorithm_accepted(alg));
  }
  CHECK_FALSE(sec::accepted_signature_algorithm(4, 2));  // dsa
  CHECK_FALSE(sec::accepted_signature_algorithm(4, 0));  // anonymous
  CHECK_FALSE(sec::accepted_signature_algorithm(1, 1));  // md5
  CHECK_FALSE(sec::identity_hash_accepted(sec::HashAlgorithm::md5));
  CHECK_FALSE(sec::identity_hash_accepted(sec::HashAlgorithm::none));
  CHECK(sec::identity_hash_accepted(sec::HashAlgorithm::sha256));
}

TEST_CASE("message signatures (NodeSigner) outside the whitelist are refused") {
  ManualClock clock(Millis{0},
                    static_cast<std::uint64_t>(kNow.time_since_epoch().count()) * 1000 + 60'000);
  Pki pki = make_pki();
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  auto own = pki.issue(sec::KeyType::ec_p256);
  peer::NodeSigner receiver(std::move(own.certificate), std::move(own.key), roots, clock);
  for (const auto& alg : kOutside) {
    CAPTURE(static_cast<int>(alg.hash));
    CAPTURE(static_cast<int>(alg.signature));
    auto [creds, key] = pki.issue_with_key_copy(key_for(alg));
    peer::NodeSigner sender(creds.certificate, std::move(creds.key), roots, clock);
    sec::SignatureAndHash accepted{sec::HashAlgorithm::sha256, alg.signature};
    REQUIRE_MESSAGE(receiver.verify(message_signed_with(sender, key, accepted)),
                    receiver.last_error());
    CHECK_FALSE(receiver.verify(message_signed_with(sender, key, alg)));
    CHECK(receiver.last_error() == "unsupported signature algorithm");
  }
}

TEST_CASE("stored-data signatures (CertificateVerifier) outside the whitelist are refused") {
  Pki pki = make_pki();
  const Bytes input = to_bytes("resource_id || kind || storage_time || value || identity");
  for (const auto& alg : kOutside) {
    CAPTURE(static_cast<int>(alg.hash));
    CAPTURE(static_cast<int>(alg.signature));
    auto [creds, key] = pki.issue_with_key_copy(key_for(alg));
    storage::CertificateVerifier verifier({creds.certificate});
    storage::CertificateSigner signer(creds.certificate, std::move(creds.key));
    wire::Signature s = signer.sign(ByteView(input));  // an accepted algorithm: verifies
    REQUIRE(verifier.verify(s, ByteView(input)));
    s.algorithm = on_wire(alg);
    s.value = raw_sign(key, alg.hash, ByteView(input));
    CHECK_FALSE(verifier.verify(s, ByteView(input)));
  }
}
