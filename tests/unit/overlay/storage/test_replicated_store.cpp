// Pieces of the replicated store that need no network: the simulator's stored-data
// signatures, result names for the metrics, replica merges in DataStore, certificates handed
// out by CertificateVerifier. Replication itself runs in tests/unit/overlay/sim.
#include <doctest/doctest.h>

#include "overlay/storage/replicated_store.h"
#include "overlay/storage/sim_data_signer.h"
#include "overlay/wire/bodies_misc.h"
#include "storage_fixture.h"

using namespace p2psip;
using namespace p2psip::storage;
using namespace p2psip::storage::test;

TEST_CASE("SimDataSigner signatures verify and carry the signer; tampering fails") {
  wire::NodeId node = alice().node;
  SimDataSigner signer("alice@p2p.example.com", node);
  auto res = resource_id_of("alice@p2p.example.com");
  wire::StoredData d;
  d.storage_time = kNow;
  d.lifetime = 60;
  d.value = dict(node, "sip:alice@10.0.0.1");
  d = sign_stored_data(signer, res, kSip, d);
  SimDataVerifier v;
  auto who = verify_stored_data(v, res, kSip, d);
  REQUIRE(who);
  CHECK(who->user == "alice@p2p.example.com");
  CHECK(who->node_ids == std::vector<wire::NodeId>{node});
  // It passes USER-NODE-MATCH in a real DataStore.
  DataStore store(registry());
  CHECK(store.store(store_req(res, kSip, {d}), kNow, v));
  d.storage_time += 1;  // not what was signed
  CHECK_FALSE(verify_stored_data(v, res, kSip, d));
  d.storage_time -= 1;
  d.signature.value.resize(3);
  CHECK_FALSE(verify_stored_data(v, res, kSip, d));
}

TEST_CASE("result names are the snake_case error names") {
  CHECK(result_name(wire::MessageCode::kStoreAns, {}) == "ok");
  auto body = *wire::encode_to_bytes(wire::ErrorResponse::make(wire::ErrorCode::kDataTooOld, "x"));
  CHECK(result_name(wire::MessageCode::kError, ByteView(body)) == "data_too_old");
  body = *wire::encode_to_bytes(wire::ErrorResponse{0x7777, {}});
  CHECK(result_name(wire::MessageCode::kError, ByteView(body)) == "error_30583");
  CHECK(result_name(wire::MessageCode::kError, {}) == "invalid_message");
}

TEST_CASE("a replica copy merges: older or equal values are skipped, newer ones applied") {
  auto res = resource_id_of("alice@p2p.example.com");
  auto ver = verifier();
  auto a1 = signed_data(alice(), res, kSip, dict(alice().node, "one"), kNow, 100);
  auto a2 = signed_data(alice(), res, kSip, dict(alice().node, "two"), kNow + 5, 100);
  DataStore replica(registry());
  auto newer = store_req(res, kSip, {a2});
  newer.replica_number = 1;
  REQUIRE(replica.store(newer, kNow, ver));
  auto older = store_req(res, kSip, {a1});
  older.replica_number = 2;
  CHECK(replica.store(older, kNow, ver));  // not an error ...
  auto fetched = replica.export_resource(res, kNow, 1);
  REQUIRE(fetched);
  CHECK(fetched->kind_data[0].values[0].storage_time == kNow + 5);  // ... and not applied
  // A primary store of the older value is still Data_Too_Old.
  older.replica_number = 0;
  auto r = replica.store(older, kNow, ver);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == wire::ErrorCode::kDataTooOld);
}

TEST_CASE("CertificateVerifier hands out the certificate of a signer it knows") {
  auto ver = verifier();
  auto c = ver.certificate_for(alice().signer.identity());
  REQUIRE(c);
  CHECK(c->certificate == Bytes(alice().cert.der().begin(), alice().cert.der().end()));
  CHECK_FALSE(ver.certificate_for(wire::SignerIdentity{}));
  SimDataVerifier sim;
  CHECK_FALSE(sim.certificate_for(alice().signer.identity()));
}
