// KnownCertificates and SignerIdentity (RFC 6940 §6.3.4, §8): signers resolved without their
// certificate in the message, from certificates learned, pinned or stored under the §8 kinds.
#include <doctest/doctest.h>

#include "overlay/storage/known_certificates.h"
#include "overlay/storage/replicated_store.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/storage/signer_identity.h"
#include "storage_fixture.h"

using namespace p2psip;
using namespace p2psip::storage;
using namespace p2psip::storage::test;
namespace sec = p2psip::security;

namespace {

const sec::SysSeconds kSecNow{std::chrono::seconds{kNow / 1000}};

KnownCertificates known(std::size_t capacity = 16) {
  return KnownCertificates({overlay_root()}, "p2p.example.com", capacity);
}

sec::NodeId sec_id(const wire::NodeId& n) { return n.bytes(); }

wire::StoredData certificate_value(const Party& p, const wire::ResourceId& res, KindId kind) {
  return signed_data(p, res, kind,
                     wire::ArrayEntry{kArrayAppendIndex,
                                      wire::DataValue{true, Bytes(p.cert.der().begin(),
                                                                  p.cert.der().end())}});
}

// The peer a ReplicatedStore lives in, alone in its ring (responsible for everything).
struct AloneServices final : OverlayServices {
  wire::NodeId self{};
  chord::RoutingTable table{self};
  void send_request(Millis, const wire::Destination&, wire::MessageCode, Bytes,
                    std::function<void(bool)>, std::vector<wire::GenericCertificate>) override {}
  const chord::RoutingTable& routing_table() const override { return table; }
  const wire::NodeId& node_id() const override { return self; }
  RingRole ring_role() const override { return RingRole::kMember; }
  std::uint64_t wall_ms(Millis) const override { return kNow; }
  Millis monotonic_at(std::uint64_t) const override { return Millis{0}; }
};

}  // namespace

TEST_CASE("signer_identity: cert_hash for one Node-ID, cert_hash_node_id over the signing one") {
  auto one = signer_identity(bob().cert, sec_id(bob().node));
  CHECK(one.type == wire::SignerIdentityType::kCertHash);
  CHECK(identity_names(one, bob().cert));
  CHECK_FALSE(identity_node_id(one, bob().cert));

  const sec::NodeId second = alice().cert.node_ids()[1];
  auto two = signer_identity(alice().cert, second);
  CHECK(two.type == wire::SignerIdentityType::kCertHashNodeId);
  CHECK(identity_names(two, alice().cert));
  CHECK(identity_node_id(two, alice().cert) == second);
  CHECK_FALSE(identity_names(two, bob().cert));
  // alice's stored-data signer (several Node-IDs) uses the second format too.
  CHECK(alice().signer.identity().type == wire::SignerIdentityType::kCertHashNodeId);
}

TEST_CASE("KnownCertificates: learned certificates answer both identity types; others do not") {
  auto k = known();
  CHECK_FALSE(k.find(signer_identity(bob().cert, sec_id(bob().node)), kSecNow));
  REQUIRE(k.learn(bob().cert.der(), kSecNow));
  REQUIRE(k.learn(alice().cert.der(), kSecNow));
  auto b = k.find(signer_identity(bob().cert, sec_id(bob().node)), kSecNow);
  REQUIRE(b);
  CHECK(b->user() == bob().user);
  for (const sec::NodeId& n : alice().cert.node_ids()) {
    auto a = k.find(signer_identity(alice().cert, n), kSecNow);
    REQUIRE(a);
    CHECK(a->user() == alice().user);
  }
  CHECK_FALSE(k.find(signer_identity(mallory().cert, sec_id(mallory().node)), kSecNow));
  CHECK(k.size() == 2);
}

TEST_CASE("KnownCertificates: only certificates chaining to the overlay roots get in") {
  auto other = sec::CertificateAuthority::create("p2p.example.com", sec::KeyType::ec_p256, 30,
                                                 kSecNow - std::chrono::hours(1));
  REQUIRE(other);
  KnownCertificates k({other->root()}, "p2p.example.com");
  CHECK_FALSE(k.learn(bob().cert.der(), kSecNow));
  CHECK_FALSE(k.learn(to_bytes("not a certificate"), kSecNow));
  CHECK(k.size() == 0);
}

TEST_CASE("KnownCertificates: bounded, the oldest learned goes first, a pinned one stays") {
  auto k = known(1);
  k.pin(bob().cert);
  REQUIRE(k.learn(alice().cert.der(), kSecNow));
  REQUIRE(k.learn(mallory().cert.der(), kSecNow));
  CHECK(k.size() == 2);  // bob (pinned) and mallory
  CHECK_FALSE(k.find(signer_identity(alice().cert, alice().cert.node_ids()[0]), kSecNow));
  CHECK(k.find(signer_identity(mallory().cert, sec_id(mallory().node)), kSecNow));
  CHECK(k.find(signer_identity(bob().cert, sec_id(bob().node)), kSecNow));
}

TEST_CASE("KnownCertificates: an entry is checked again after `recheck`: an expired one goes") {
  KnownCertificates k({overlay_root()}, "p2p.example.com", 16, std::chrono::seconds{60});
  REQUIRE(k.learn(bob().cert.der(), kSecNow));
  auto id = signer_identity(bob().cert, sec_id(bob().node));
  CHECK(k.find(id, kSecNow + std::chrono::hours(24)));  // re-checked, still valid
  CHECK_FALSE(k.find(id, kSecNow + std::chrono::hours(24 * 400)));  // past its 365 days
  CHECK(k.size() == 0);
}

TEST_CASE("KnownCertificates: learn_stored takes the §8 kinds' certificate values only") {
  auto k = known();
  auto res = node_resource_id(bob().node);
  wire::StoreReq req = store_req(res, kCertificateByNodeKindId,
                                 {certificate_value(bob(), res, kCertificateByNodeKindId)});
  wire::StoreKindData other;
  other.kind = kUserArray;  // an array of another kind holding a certificate: not learned
  other.values.push_back(certificate_value(alice(), res, kUserArray));
  req.kind_data.push_back(other);
  CHECK(k.learn_stored(req, kSecNow) == 1);
  CHECK(k.find(signer_identity(bob().cert, sec_id(bob().node)), kSecNow));
  CHECK_FALSE(k.find(signer_identity(alice().cert, alice().cert.node_ids()[0]), kSecNow));
}

TEST_CASE("CertificateVerifier: a signer not in the block is found among the known ones") {
  auto res = resource_id_of(std::string_view(bob().user));
  auto data = signed_data(bob(), res, kUserSingle, dv("x"));
  sec::RootCertificate root = overlay_root();
  std::vector<sec::RootCertificate> roots{root};
  auto k = known();
  auto bare = CertificateVerifier::from_block({}, roots, kSecNow, "p2p.example.com", nullptr, &k);
  CHECK_FALSE(verify_stored_data(bare, res, kUserSingle, data));

  // A block that carried bob's certificate teaches it; later messages may omit it.
  std::vector<wire::GenericCertificate> block{wire::GenericCertificate{
      wire::CertificateType::kX509, Bytes(bob().cert.der().begin(), bob().cert.der().end())}};
  auto carried = CertificateVerifier::from_block(block, roots, kSecNow, "p2p.example.com",
                                                 nullptr, &k);
  CHECK(verify_stored_data(carried, res, kUserSingle, data));
  auto later = CertificateVerifier::from_block({}, roots, kSecNow, "p2p.example.com", nullptr, &k);
  auto who = verify_stored_data(later, res, kUserSingle, data);
  REQUIRE(who);
  CHECK(who->user == bob().user);
  CHECK(later.certificate_for(data.signature.identity));  // shipped with replicas and Fetches
}

TEST_CASE("ReplicatedStore: a certificate it stores under CERTIFICATE_BY_NODE becomes known") {
  auto k = known();
  ReplicatedStore rs(registry(), [](const wire::Message&) {
    return std::make_unique<CertificateVerifier>(std::vector<sec::Certificate>{bob().cert});
  });
  rs.learn_certificates(&k);
  AloneServices services;
  rs.attach(services);
  auto res = node_resource_id(bob().node);
  wire::Message m;
  m.contents.message_code = wire::to_u16(wire::MessageCode::kStoreReq);
  m.contents.message_body = wire::encode_to_bytes(store_req(
      res, kCertificateByNodeKindId, {certificate_value(bob(), res, kCertificateByNodeKindId)}))
                                .value();
  m.security.signature.identity = bob().signer.identity();  // the StoreReq's signer: bob
  auto ans = rs.on_request(Millis{0}, StorageRequest{m, bob().node, true});
  REQUIRE(ans.code == wire::MessageCode::kStoreAns);
  CHECK(k.find(signer_identity(bob().cert, sec_id(bob().node)), kSecNow));
  CHECK(rs.stats().resources_by_kind.at(kCertificateByNodeKindId) == 1);
  CHECK(rs.stats().values == 0);  // the summary numbers are the usages' data only
}

TEST_CASE("ReplicatedStore::stats counts what is stored: values, kinds, oldest storage time") {
  ReplicatedStore rs(registry(), [](const wire::Message&) {
    return std::make_unique<CertificateVerifier>(
        std::vector<sec::Certificate>{alice().cert, bob().cert});
  });
  AloneServices services;
  rs.attach(services);
  auto store = [&](const Party& p, const wire::ResourceId& res, KindId kind,
                   std::vector<wire::StoredData> values) {
    wire::Message m;
    m.contents.message_code = wire::to_u16(wire::MessageCode::kStoreReq);
    m.contents.message_body = wire::encode_to_bytes(store_req(res, kind, std::move(values))).value();
    m.security.signature.identity = p.signer.identity();
    return rs.on_request(Millis{0}, StorageRequest{m, p.node, true}).code;
  };
  auto alice_res = resource_id_of("alice@p2p.example.com");
  auto bob_res = resource_id_of("bob@p2p.example.com");
  auto cert_res = node_resource_id(bob().node);
  REQUIRE(store(alice(), alice_res, kSip,
                {signed_data(alice(), alice_res, kSip, dict(alice().node, "one"), kNow - 7, 100),
                 signed_data(alice(), alice_res, kSip, dict(wire::NodeId(alice().cert.node_ids()[1]), "two"),
                             kNow - 3, 100)}) == wire::MessageCode::kStoreAns);
  REQUIRE(store(bob(), bob_res, kSip,
                {signed_data(bob(), bob_res, kSip, dict(bob().node, "b"), kNow - 5, 100)}) ==
          wire::MessageCode::kStoreAns);
  REQUIRE(store(bob(), cert_res, kCertificateByNodeKindId,
                {certificate_value(bob(), cert_res, kCertificateByNodeKindId)}) ==
          wire::MessageCode::kStoreAns);
  StorageStats s = rs.stats();
  CHECK(s.values == 3);  // the §8 certificate is counted by kind only
  CHECK(s.resources_by_kind.at(kSip) == 2);
  CHECK(s.resources_by_kind.at(kCertificateByNodeKindId) == 1);
  CHECK(s.oldest_storage_time == kNow - 7);
  CHECK(s.responsible_resources == 2);  // alone in the ring: responsible for both
  CHECK(s.replica_resources == 0);
  CHECK(s.store_results.at("ok") == 3);
}
