#include <doctest/doctest.h>

#include <chrono>

#include "overlay/security/certificate.h"
#include "overlay/security/signature.h"
#include "overlay/security/x509_parse.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;
using p2psip::Bytes;

namespace {

std::string uri_for(unsigned char fill, const char* overlay = kOverlay) {
  return reload_uri(node_id(fill), overlay);
}

std::string parse_error(const Bytes& der, std::string_view overlay = {}) {
  auto cert = Certificate::from_der(der, overlay);
  return cert ? std::string("(parsed)") : cert.error();
}

}  // namespace

TEST_CASE("an issued certificate parses back with its Node-IDs, user and overlay") {
  for (const CertificateAuthority* ca : {&rsa_ca(), &ec_ca()}) {
    IssueRequest req{kUser, {node_id(1), node_id(100)}, KeyType::ec_p256, 30};
    auto issued = ca->issue(req, kNow);
    REQUIRE_MESSAGE(issued.has_value(), issued.error());
    auto cert = Certificate::from_der(issued->certificate.der(), kOverlay);
    REQUIRE_MESSAGE(cert.has_value(), cert.error());
    CHECK(cert->node_ids() == std::vector<NodeId>{node_id(1), node_id(100)});
    CHECK(cert->has_node_id(node_id(100)));
    CHECK_FALSE(cert->has_node_id(node_id(2)));
    CHECK(cert->user() == kUser);
    CHECK(cert->overlay() == kOverlay);
    CHECK(cert->key_type() == KeyType::ec_p256);
    CHECK(EVP_PKEY_eq(cert->public_key(), issued->key.get()) == 1);
    CHECK(X509_NAME_entry_count(X509_get_subject_name(cert->x509())) == 0);

    auto pem = cert->to_pem();
    REQUIRE(pem.has_value());
    auto from_pem = Certificate::from_pem(*pem);
    REQUIRE(from_pem.has_value());
    CHECK(std::equal(from_pem->der().begin(), from_pem->der().end(), cert->der().begin(),
                     cert->der().end()));
    Certificate copy = *from_pem;
    CHECK(copy.user() == kUser);
  }
}

TEST_CASE("certificates that break RFC 6940 §11.3 are refused with the reason") {
  const auto& ca = ec_ca();
  const std::string user = kUser;
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}}))) == "(parsed)");

  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user},
                                     {GEN_EMAIL, "bob@p2p.example.com"}})))
            .find("2 rfc822Names") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}}))).find("0 rfc822Names") !=
        std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_EMAIL, user}}))).find("no Node-ID") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, "reload://abcd@p2p.example.com/"}, {GEN_EMAIL, user}})))
            .find("single 128-bit Node-ID") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, "sip:alice@p2p.example.com"}, {GEN_EMAIL, user}})))
            .find("not a reload://") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1, "other.example.org")}, {GEN_EMAIL, user}})),
                    kOverlay)
            .find("not 'p2p.example.com'") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_URI, uri_for(2, "other.example.org")},
                                     {GEN_EMAIL, user}})))
            .find("more than one overlay") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_URI, uri_for(1)}, {GEN_EMAIL, user}})))
            .find("duplicate") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}, {GEN_DNS, "x.example"}})))
            .find("dNSName") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, "alice"}})))
            .find("not user@domain") != std::string::npos);
  CHECK(parse_error(build_cert(ca, with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, std::string("a\0b@x.org", 9)}})))
            .find("NUL") != std::string::npos);

  CertSpec named = with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}});
  named.subject_cn = "alice";
  CHECK(parse_error(build_cert(ca, named)).find("subject DN is not empty") != std::string::npos);
  CertSpec soft = with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}});
  soft.san_critical = false;
  CHECK(parse_error(build_cert(ca, soft)).find("not critical") != std::string::npos);
  CertSpec none;
  none.no_san = true;
  CHECK(parse_error(build_cert(ca, none)) == "no subjectAltName");
  CertSpec ca_flag = with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}});
  ca_flag.is_ca = true;
  CHECK(parse_error(build_cert(ca, ca_flag)).find("CA certificate") != std::string::npos);
}

TEST_CASE("EC and RSA certificates decode the short way; other keys and bad extensions as before") {
  const std::string user = kUser;
  for (KeyType type : {KeyType::ec_p256, KeyType::rsa2048}) {
    auto issued = ec_ca().issue({kUser, {node_id(5)}, type, 30}, kNow);
    REQUIRE(issued.has_value());
    X509DecodeCounts before = x509_decode_counts();
    auto cert = Certificate::from_der(issued->certificate.der(), kOverlay);
    REQUIRE(cert.has_value());
    CHECK(x509_decode_counts().fast == before.fast + 1);
    CHECK(x509_decode_counts().ordinary == before.ordinary);
    // The key decoded that way verifies what the certificate's private key signed, and the
    // certificate chains to its root.
    auto alg = default_algorithm(type);
    Bytes message(64, std::byte{0x42});
    auto signature = sign(issued->key, alg, message);
    REQUIRE(signature.has_value());
    CHECK(verify(*cert, alg, message, *signature).has_value());
    message[0] = std::byte{0x43};
    CHECK_FALSE(verify(*cert, alg, message, *signature).has_value());
    CHECK(cert->verify_chain(ec_ca().root(), kNow).has_value());
  }
  CertSpec ed = with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}});
  ed.ed25519_key = true;
  X509DecodeCounts before = x509_decode_counts();
  CHECK(parse_error(build_cert(ec_ca(), ed)).find("unsupported key type") != std::string::npos);
  CHECK(x509_decode_counts().ordinary == before.ordinary + 1);
  CertSpec twice = with_san({{GEN_URI, uri_for(1)}, {GEN_EMAIL, user}});
  twice.duplicate_extension = true;
  CHECK(parse_error(build_cert(ec_ca(), twice)) == "malformed or duplicated extensions");
}

TEST_CASE("hostile bytes: empty, truncated, trailing, junk") {
  auto issued = ec_ca().issue({kUser, {node_id(7)}, KeyType::ec_p256, 30}, kNow);
  REQUIRE(issued.has_value());
  Bytes der(issued->certificate.der().begin(), issued->certificate.der().end());
  CHECK(parse_error({}) == "empty certificate");
  CHECK(parse_error(Bytes(der.begin(), der.end() - 1)).find("not a DER") != std::string::npos);
  Bytes longer = der;
  longer.push_back(std::byte{0});
  CHECK(parse_error(longer) == "trailing bytes after the certificate");
  CHECK(parse_error(Bytes(100, std::byte{0x30})).find("not a DER") != std::string::npos);
  CHECK_FALSE(Certificate::from_pem(p2psip::as_bytes("not pem")).has_value());
}

TEST_CASE("chain verification: own root yes, another root no, expired no") {
  for (const CertificateAuthority* ca : {&rsa_ca(), &ec_ca()}) {
    auto issued = ca->issue({kUser, {node_id(9)}, KeyType::rsa2048, 30}, kNow);
    REQUIRE(issued.has_value());
    const Certificate& cert = issued->certificate;
    auto ok = cert.verify_chain(ca->root(), kNow);
    CHECK_MESSAGE(ok.has_value(), (ok ? "" : ok.error()));
    auto wrong = cert.verify_chain(other_ca().root(), kNow);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().find("does not verify") != std::string::npos);
    auto late = cert.verify_chain(ca->root(), kNow + std::chrono::days(31));
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().find("expired") != std::string::npos);
    CHECK_FALSE(cert.verify_chain(ca->root(), kNow - std::chrono::hours(1)).has_value());
    std::vector<RootCertificate> roots{other_ca().root(), ca->root()};
    CHECK(cert.verify_chain(roots, kNow).has_value());
  }
}

TEST_CASE("root certificate: names its overlay, is a CA, refuses a peer certificate") {
  CHECK(rsa_ca().root().overlay() == kOverlay);
  auto pem = rsa_ca().root().to_pem();
  REQUIRE(pem.has_value());
  auto back = RootCertificate::from_pem(*pem);
  REQUIRE(back.has_value());
  CHECK(back->overlay() == kOverlay);
  auto issued = ec_ca().issue({kUser, {node_id(3)}, KeyType::ec_p256, 30}, kNow);
  REQUIRE(issued.has_value());
  CHECK_FALSE(RootCertificate::from_der(issued->certificate.der()).has_value());
  CHECK_FALSE(Certificate::from_der(rsa_ca().root().der()).has_value());
}
