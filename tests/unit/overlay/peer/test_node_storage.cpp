// Real Nodes (libuv, TLS links, certificate signatures) with storage: a client stores a
// SIP registration signed with a user certificate (issued for the client's Node-ID), in a
// StoreReq signed with that certificate too (RFC 6940 §7.3), peers check it with the
// certificates the message carried, replicate it, and answer a Fetch with the certificate the
// value needs.
#include <doctest/doctest.h>

#include "node_test_support.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/storage/resource_id.h"
#include "overlay/wire/bodies_storage.h"

using namespace p2psip;
using namespace p2psip::link::test;

namespace {

security::IssuedCredentials user_credentials(const std::string& user, const wire::NodeId& node) {
  security::IssueRequest r{user, {node.bytes()}, security::KeyType::ec_p256, 2};
  auto c = overlay_ca().issue(r, std::chrono::floor<std::chrono::seconds>(
                                     std::chrono::system_clock::now()));
  REQUIRE(c);
  return std::move(c).value();
}

std::unique_ptr<peer::Node> make_node(Loop& loop, const Clock& clock, unsigned char fill,
                                      std::vector<wire::IpAddressPort> bootstrap,
                                      bool client = false) {
  peer::NodeConfig cfg;
  cfg.bootstrap = std::move(bootstrap);
  cfg.peer.client = client;
  return start_node(loop, clock, fill, std::move(cfg));
}

Bytes registration(storage::CertificateSigner& signer, const wire::ResourceId& res,
                   const wire::NodeId& key, std::uint64_t wall_ms) {
  wire::StoredData d;
  d.storage_time = wall_ms;
  d.lifetime = 600;
  d.value = wire::DictionaryEntry{Bytes(key.bytes().begin(), key.bytes().end()),
                                  wire::DataValue{true, to_bytes("sip:alice@127.0.0.1")}};
  d = storage::sign_stored_data(signer, res, 1, std::move(d));
  return *wire::encode_to_bytes(
      wire::StoreReq{res, 0, {wire::StoreKindData{1, 0, {std::move(d)}, std::nullopt}}});
}

}  // namespace

TEST_CASE("Node: a client stores with its user certificate; peers replicate and serve it") {
  Loop loop;
  SystemClock clock;
  auto a = make_node(loop, clock, 0x40, {});
  auto a_addr = *peer::make_address("127.0.0.1", a->snapshot().listen_port);
  auto b = make_node(loop, clock, 0x80, {a_addr});
  REQUIRE(loop.run_until([&] { return b->state() == peer::PeerState::kJoined; }));
  auto c = make_node(loop, clock, 0xc0, {a_addr}, true);
  REQUIRE(loop.run_until([&] { return c->state() == peer::PeerState::kJoined; }));
  CHECK(c->snapshot().status.routing_table_size == 0);

  std::string aor = "alice@p2p.example.com";
  auto res = storage::resource_id_of(aor);
  auto user = user_credentials(aor, c->node_id());
  wire::GenericCertificate user_cert{
      wire::CertificateType::kX509,
      Bytes(user.certificate.der().begin(), user.certificate.der().end())};
  auto signer = std::make_shared<storage::CertificateSigner>(user.certificate, std::move(user.key));
  auto store = [&](std::vector<wire::GenericCertificate> certs, storage::RequestSigner by) {
    std::optional<peer::RequestResult> got;
    c->send_request(wire::Destination::resource(res), wire::MessageCode::kStoreReq,
                    registration(*signer, res, c->node_id(), clock.wall_ms()),
                    [&](const peer::RequestResult& r) { got = r; }, std::move(certs),
                    std::move(by));
    REQUIRE(loop.run_until([&] { return got.has_value(); }, std::chrono::seconds(20)));
    return got->code;
  };
  // Signed by the client's node certificate, which holds the Node-ID keying the entry but not
  // alice's user name: refused (§7.3), whether or not alice's certificate travels with it.
  CHECK(store({}, {}) == wire::MessageCode::kError);
  CHECK(store({user_cert}, {}) == wire::MessageCode::kError);
  CHECK(store({}, storage::RequestSigner{signer, {user_cert}}) == wire::MessageCode::kStoreAns);
  REQUIRE(loop.run_until([&] {
    return a->snapshot().storage.values == 1 && b->snapshot().storage.values == 1;
  }));
  auto sa = a->snapshot().storage, sb = b->snapshot().storage;
  CHECK(sa.responsible_resources + sb.responsible_resources == 1);
  CHECK(sa.replica_resources + sb.replica_resources == 1);
  CHECK(sa.resources_by_kind[1] == 1);
  CHECK(sa.store_results["forbidden"] + sb.store_results["forbidden"] == 2);
  CHECK(c->snapshot().storage.values == 0);  // a client stores nothing

  std::optional<peer::RequestResult> fetched;
  wire::FetchReq f{res, {wire::StoredDataSpecifier{1, 0, wire::DictionarySpecifier{}}}};
  c->send_request(wire::Destination::resource(res), wire::MessageCode::kFetchReq,
                  *wire::encode_to_bytes(f), [&](const peer::RequestResult& r) { fetched = r; });
  REQUIRE(loop.run_until([&] { return fetched.has_value(); }, std::chrono::seconds(20)));
  REQUIRE(fetched->code == wire::MessageCode::kFetchAns);
  storage::KindRegistry kinds;
  kinds.add(storage::sip_registration_kind());
  auto ans = wire::decode_fetch_ans(ByteView(fetched->body), kinds.model_lookup());
  REQUIRE(ans);
  REQUIRE(ans->kind_responses.size() == 1);
  REQUIRE(ans->kind_responses[0].values.size() == 1);
  // The answer carries the user certificate: the fetcher can verify the value with it.
  auto roots = std::vector<security::RootCertificate>{overlay_ca().root()};
  auto ver = storage::CertificateVerifier::from_block(
      fetched->certificates, roots,
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()), kOverlay);
  auto who = storage::verify_stored_data(ver, res, 1, ans->kind_responses[0].values[0]);
  REQUIRE(who);
  CHECK(who->user == aor);
}

// No replicas: the responsible peer holds the only copy, so only its leave handover can keep
// the data in the overlay (with replicas the other peer held a copy anyway).
TEST_CASE("Node: a peer leaving cleanly hands its data to its successor") {
  Loop loop;
  SystemClock clock;
  peer::NodeConfig cfg;
  cfg.storage.replicas = 0;
  auto a = start_node(loop, clock, 0x40, cfg);
  auto a_addr = *peer::make_address("127.0.0.1", a->snapshot().listen_port);
  cfg.bootstrap = {a_addr};
  auto b = start_node(loop, clock, 0x80, cfg);
  REQUIRE(loop.run_until([&] { return b->state() == peer::PeerState::kJoined; }));
  cfg.peer.client = true;
  auto c = start_node(loop, clock, 0xc0, cfg);
  REQUIRE(loop.run_until([&] { return c->state() == peer::PeerState::kJoined; }));

  std::string aor = "alice@p2p.example.com";
  auto res = storage::resource_id_of(aor);
  auto user = user_credentials(aor, c->node_id());
  wire::GenericCertificate user_cert{
      wire::CertificateType::kX509,
      Bytes(user.certificate.der().begin(), user.certificate.der().end())};
  auto signer = std::make_shared<storage::CertificateSigner>(user.certificate, std::move(user.key));
  std::optional<peer::RequestResult> got;
  c->send_request(wire::Destination::resource(res), wire::MessageCode::kStoreReq,
                  registration(*signer, res, c->node_id(), clock.wall_ms()),
                  [&](const peer::RequestResult& r) { got = r; }, {},
                  storage::RequestSigner{signer, {user_cert}});
  REQUIRE(loop.run_until([&] { return got.has_value(); }, std::chrono::seconds(20)));
  REQUIRE(got->code == wire::MessageCode::kStoreAns);
  auto values = [](const std::unique_ptr<peer::Node>& n) { return n->snapshot().storage.values; };
  REQUIRE(values(a) + values(b) == 1);  // one copy: on the responsible peer only
  auto& holder = values(a) == 1 ? a : b;
  auto& other = values(a) == 1 ? b : a;

  bool left = false;
  holder->leave(std::chrono::seconds(10), [&](bool) { left = true; });
  REQUIRE(loop.run_until([&] { return left; }, std::chrono::seconds(15)));
  CHECK(values(other) == 1);
}
