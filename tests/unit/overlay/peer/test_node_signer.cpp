// NodeSigner: real message signatures with RELOAD certificates (RFC 6940 §6.3.4).
#include <doctest/doctest.h>

#include <thread>

#include "overlay/peer/node_signer.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/security/ca.h"
#include "overlay/wire/overlay_hash.h"

using namespace p2psip;
using namespace p2psip::peer;
namespace sec = p2psip::security;

namespace {

constexpr const char* kOverlayName = "ring.example.org";
const sec::SysSeconds kNow{std::chrono::seconds{1'700'000'000}};

struct Pki {
  sec::CertificateAuthority ca;
  static Pki make(sec::KeyType type) {
    auto ca = sec::CertificateAuthority::create(kOverlayName, type, 30, kNow);
    REQUIRE(ca);
    return Pki{std::move(*ca)};
  }
  NodeSigner signer(const ManualClock& clock, sec::KeyType type, const std::vector<sec::RootCertificate>& roots) const {
    auto id = sec::random_node_id();
    REQUIRE(id);
    auto issued = ca.issue(sec::IssueRequest{"node@ring.example.org", {*id}, type, 30}, kNow);
    REQUIRE(issued);
    return NodeSigner(std::move(issued->certificate), std::move(issued->key), roots, clock);
  }
};

ManualClock clock_at_now() {
  return ManualClock(Millis{0}, static_cast<std::uint64_t>(kNow.time_since_epoch().count()) * 1000 + 60'000);
}

// A PingReq with a one-byte body, not signed yet.
wire::Message ping(std::uint64_t tid, std::byte b) {
  wire::Message m;
  m.header.overlay = wire::overlay_hash(kOverlayName);
  m.header.transaction_id = tid;
  m.header.destination_list.push_back(wire::Destination::node(wire::NodeId{}));
  m.contents.message_code = wire::to_u16(wire::MessageCode::kPingReq);
  m.contents.message_body = Bytes{b};
  return m;
}

// Through the real encoder and decoder.
wire::Message round_trip(const wire::Message& m) {
  auto bytes = wire::encode_message(m);
  REQUIRE(bytes);
  wire::DecodeParams p;
  p.overlay = m.header.overlay;
  auto back = wire::decode_message(*bytes, p);
  REQUIRE(back);
  return std::move(*back);
}

// A signed PingReq, through the real encoder and decoder.
wire::Message signed_message(NodeSigner& signer, std::uint64_t tid) {
  wire::Message m = ping(tid, std::byte{1});
  m.security =
      signer.sign(wire::signature_input(m.header.overlay, tid, m.contents, signer.identity()));
  return round_trip(m);
}

}  // namespace

TEST_CASE("NodeSigner: EC round trip, certificate in the block, cache by hash") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);

  wire::Message m = signed_message(a, 7);
  CHECK(m.security.certificates.size() == 1);
  CHECK(m.security.signature.identity.type == wire::SignerIdentityType::kCertHash);
  CHECK(m.security.signature.algorithm.signature == 3);  // ecdsa
  auto who = b.verify(m);
  REQUIRE_MESSAGE(who, b.last_error());
  CHECK(*who == a.node_id());
  CHECK(b.verify(signed_message(a, 8)) == a.node_id());
  CHECK(b.certificates_parsed() == 1);  // the second message hit the cache
  CHECK(b.cached_certificates() == 1);
}

TEST_CASE("NodeSigner: RSA (mandatory algorithm) round trip") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::rsa2048, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);
  wire::Message m = signed_message(a, 9);
  CHECK(m.security.signature.algorithm.signature == 1);
  CHECK(m.security.signature.algorithm.hash == 4);
  CHECK(b.verify(m) == a.node_id());
}

TEST_CASE("NodeSigner: tampered messages are refused") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);

  wire::Message body = signed_message(a, 10);
  body.contents.message_body[0] = std::byte{9};
  CHECK_FALSE(b.verify(body));
  CHECK(b.last_error().find("bad signature") != std::string::npos);

  wire::Message tid = signed_message(a, 11);
  tid.header.transaction_id = 12;
  CHECK_FALSE(b.verify(tid));

  wire::Message no_cert = signed_message(a, 13);
  no_cert.security.certificates.clear();
  NodeSigner fresh = pki.signer(clock, sec::KeyType::ec_p256, roots);
  CHECK_FALSE(fresh.verify(no_cert));

  wire::Message swapped = signed_message(a, 14);  // b's certificate under a's identity hash
  swapped.security.certificates = signed_message(b, 15).security.certificates;
  CHECK_FALSE(fresh.verify(swapped));
}

TEST_CASE("NodeSigner: a certificate from another CA is refused") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  Pki other = Pki::make(sec::KeyType::ec_p256);  // same overlay name, different root
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  std::vector<sec::RootCertificate> other_roots{other.ca.root()};
  NodeSigner stranger = other.signer(clock, sec::KeyType::ec_p256, other_roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);
  CHECK_FALSE(b.verify(signed_message(stranger, 16)));
  CHECK(b.last_error().find("root") != std::string::npos);
  CHECK(b.cached_certificates() == 0);
}

TEST_CASE("NodeSigner: an expired signer certificate is refused") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);
  wire::Message m = signed_message(a, 17);
  clock.advance(std::chrono::hours(24 * 40));  // past the 30-day validity
  CHECK_FALSE(b.verify(m));
}

// Two EC signers of one CA: a signs, b verifies.
struct SignerPair {
  ManualClock clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);
};

TEST_CASE("NodeSigner: a signer a bad-node entry lists is refused, also from the cache (RFC 6940 §11.1)") {
  SignerPair pair;
  NodeSigner& a = pair.a;
  NodeSigner& b = pair.b;
  sec::BadNodes bad;
  b.set_bad_nodes(&bad);
  CHECK(b.verify(signed_message(a, 1)) == a.node_id());  // not listed yet; now cached
  bad.replace({to_security(a.node_id())});
  CHECK_FALSE(b.verify(signed_message(a, 2)).has_value());
  CHECK(b.last_error().find("bad-node") != std::string::npos);
  CHECK(bad.refused()[static_cast<std::size_t>(sec::BadNodes::Refused::kMessage)] == 1);
  bad.replace({});
  CHECK(b.verify(signed_message(a, 3)) == a.node_id());
}

namespace {

// A PingReq signed by `signer` (a stored-data signer used for a message), carrying `certs`,
// through the real encoder and decoder.
wire::Message message_signed_by(p2psip::storage::DataSigner& signer,
                                std::vector<wire::GenericCertificate> certs, std::uint64_t tid) {
  wire::Message m = ping(tid, std::byte{4});
  m.security.certificates = std::move(certs);
  m.security.signature = signer.sign(
      wire::signature_input(m.header.overlay, tid, m.contents, signer.identity()));
  return round_trip(m);
}

sec::PrivateKey copy_key(const sec::PrivateKey& k) {
  auto pem = k.to_pem();
  REQUIRE(pem);
  auto back = sec::PrivateKey::from_pem(*pem);
  REQUIRE(back);
  return std::move(*back);
}

}  // namespace

TEST_CASE("NodeSigner: several Node-IDs: cert_hash_node_id out; the Node-ID it hashes signed") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  auto id1 = sec::random_node_id(), id2 = sec::random_node_id();
  REQUIRE((id1 && id2));
  auto issued = pki.ca.issue(sec::IssueRequest{"multi@ring.example.org", {*id1, *id2},
                                               sec::KeyType::ec_p256, 30}, kNow);
  REQUIRE(issued);
  sec::Certificate cert = issued->certificate;
  p2psip::storage::CertificateSigner as_second(cert, copy_key(issued->key), *id2);
  NodeSigner a(std::move(issued->certificate), std::move(issued->key), roots, clock);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);

  wire::Message m = signed_message(a, 30);
  CHECK(m.security.signature.identity.type == wire::SignerIdentityType::kCertHashNodeId);
  CHECK(b.verify(m) == wire::NodeId(*id1));  // the node signs as its first Node-ID

  std::vector<wire::GenericCertificate> block{
      wire::GenericCertificate{wire::CertificateType::kX509,
                               Bytes(cert.der().begin(), cert.der().end())}};
  wire::Message second = message_signed_by(as_second, block, 31);
  REQUIRE(second.security.signature.identity.type == wire::SignerIdentityType::kCertHashNodeId);
  CHECK(b.verify(second) == wire::NodeId(*id2));  // §6.3.4: "the NodeId used to sign"
}

TEST_CASE("NodeSigner: a certificate the shared store knows verifies a message that omits it") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  auto known = std::make_shared<p2psip::storage::KnownCertificates>(roots, kOverlayName);
  auto id = sec::random_node_id();
  REQUIRE(id);
  auto issued = pki.ca.issue(
      sec::IssueRequest{"b@ring.example.org", {*id}, sec::KeyType::ec_p256, 30}, kNow);
  REQUIRE(issued);
  NodeSigner b(std::move(issued->certificate), std::move(issued->key), roots, clock, known);

  wire::Message with_cert = signed_message(a, 40);
  Bytes a_der = with_cert.security.certificates.at(0).certificate;
  wire::Message bare = signed_message(a, 41);
  bare.security.certificates.clear();
  CHECK_FALSE(b.verify(bare));  // unknown and not carried: refused (Error_Forbidden upstream)
  // a's certificate stored under CERTIFICATE_BY_NODE at this node (ReplicatedStore learns it).
  auto wall = sec::SysSeconds{std::chrono::seconds{clock.wall_ms() / 1000}};
  REQUIRE(known->learn(a_der, wall));
  CHECK(b.verify(bare) == a.node_id());
  CHECK(b.certificates_parsed() == 0);  // nothing parsed from the message
}

TEST_CASE("NodeSigner::replace: a renewed certificate (another key, RSA) signs from then on") {
  auto clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  std::vector<sec::RootCertificate> roots{pki.ca.root()};
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, roots);
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, roots);
  auto old_identity = a.identity();
  auto renewed = pki.ca.issue(sec::IssueRequest{"node@ring.example.org", {to_security(a.node_id())},
                                                sec::KeyType::rsa2048, 30}, kNow);
  REQUIRE(renewed);
  Bytes der(renewed->certificate.der().begin(), renewed->certificate.der().end());
  a.replace(std::move(renewed->certificate), std::move(renewed->key));
  CHECK(a.identity().hash != old_identity.hash);  // cert_hash of the renewed certificate
  wire::Message m = signed_message(a, 20);
  REQUIRE(m.security.certificates.size() == 1);
  CHECK(m.security.certificates[0].certificate == der);
  CHECK(m.security.signature.algorithm.signature == 1);  // the renewed RSA key's algorithm
  CHECK(b.verify(m) == a.node_id());
  CHECK(a.verify(m) == a.node_id());  // its own renewed certificate is known (pinned)
}

namespace {
// Signers a and b of one EC overlay CA.
struct EcPair {
  ManualClock clock = clock_at_now();
  Pki pki = Pki::make(sec::KeyType::ec_p256);
  NodeSigner a = pki.signer(clock, sec::KeyType::ec_p256, {pki.ca.root()});
  NodeSigner b = pki.signer(clock, sec::KeyType::ec_p256, {pki.ca.root()});
};
}  // namespace

TEST_CASE("NodeSigner::verification: the check runs on another thread, tampering refused there") {
  EcPair pair;
  NodeSigner& a = pair.a;
  NodeSigner& b = pair.b;
  NodeSigner stranger =
      Pki::make(sec::KeyType::ec_p256).signer(pair.clock, sec::KeyType::ec_p256, {});

  wire::Message good = signed_message(a, 20);
  wire::Message bad = signed_message(a, 21);
  bad.contents.message_body[0] = std::byte{9};
  // The checks are made here (certificate lookup), then run elsewhere while the message and
  // the signer's certificate cache go on living their own lives here.
  SignatureCheck good_check = b.verification(good);
  SignatureCheck bad_check = b.verification(bad);
  SignatureCheck unknown_check = b.verification(signed_message(stranger, 22));  // other root
  good.contents.message_body.clear();
  std::optional<NodeId> good_r, bad_r, unknown_r;
  std::thread worker([&] {
    good_r = good_check();
    bad_r = bad_check();
    unknown_r = unknown_check();
  });
  worker.join();
  CHECK(good_r == a.node_id());
  CHECK_FALSE(bad_r);
  CHECK_FALSE(unknown_r);
}
