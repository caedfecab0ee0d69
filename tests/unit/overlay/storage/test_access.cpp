// Access control policies (RFC 6940 §7.3) through DataStore::store with real certificates.
#include <doctest/doctest.h>

#include "overlay/storage/access.h"
#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

wire::ErrorCode store_error(const wire::StoreReq& req) {
  DataStore store(registry());
  auto v = verifier();
  auto r = store.store(req, kNow, v);
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

bool stores(const wire::StoreReq& req) {
  DataStore store(registry());
  auto v = verifier();
  return store.store(req, kNow, v).has_value();
}

}  // namespace

TEST_CASE("USER-MATCH: the user's own Resource-ID only") {
  auto res = resource_id_of(alice().user);
  CHECK(stores(store_req(res, kUserSingle, {signed_data(alice(), res, kUserSingle, dv("a"))})));
  CHECK(store_error(store_req(res, kUserSingle, {signed_data(bob(), res, kUserSingle, dv("b"))}))
        == wire::ErrorCode::kForbidden);
}

TEST_CASE("NODE-MATCH: H(Node-ID) of any of the signer's Node-IDs") {
  auto res = node_resource_id(alice().node);
  CHECK(stores(store_req(res, kNodeSingle, {signed_data(alice(), res, kNodeSingle, dv("a"))})));
  auto second = node_resource_id(wire::NodeId::from_hex(std::string(32, '1').replace(0, 32,
                                 "12121212121212121212121212121212")).value());
  CHECK(stores(store_req(second, kNodeSingle,
                         {signed_data(alice(), second, kNodeSingle, dv("a"))})));
  CHECK(store_error(store_req(res, kNodeSingle, {signed_data(bob(), res, kNodeSingle, dv("b"))}))
        == wire::ErrorCode::kForbidden);
}

TEST_CASE("USER-NODE-MATCH: H(user) and the dictionary key is the signer's Node-ID") {
  auto res = resource_id_of(alice().user);
  auto ok = signed_data(alice(), res, kSip, dict(alice().node, "sip:a@10.0.0.1"));
  CHECK(stores(store_req(res, kSip, {ok})));
  SUBCASE("wrong Node-ID as the key") {
    auto bad = signed_data(alice(), res, kSip, dict(bob().node, "x"));
    CHECK(store_error(store_req(res, kSip, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("wrong user") {
    auto bad = signed_data(bob(), res, kSip, dict(bob().node, "x"));
    CHECK(store_error(store_req(res, kSip, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("a key that is not a Node-ID") {
    wire::DictionaryEntry e{to_bytes("short"), dv("x")};
    auto bad = signed_data(alice(), res, kSip, e);
    CHECK(store_error(store_req(res, kSip, {bad})) == wire::ErrorCode::kForbidden);
  }
}

TEST_CASE("NODE-MULTIPLE: H(Node-ID || i) for 1 <= i <= max-node-multiple") {
  for (std::uint32_t i : {1u, 2u}) {
    auto res = node_multiple_resource_id(alice().node, i);
    CHECK(stores(store_req(res, kNodeMulti, {signed_data(alice(), res, kNodeMulti, dv("a"))})));
  }
  auto beyond = node_multiple_resource_id(alice().node, 3);
  CHECK(store_error(store_req(beyond, kNodeMulti,
                              {signed_data(alice(), beyond, kNodeMulti, dv("a"))})) ==
        wire::ErrorCode::kForbidden);
  auto zero = node_multiple_resource_id(alice().node, 0);
  CHECK(store_error(store_req(zero, kNodeMulti,
                              {signed_data(alice(), zero, kNodeMulti, dv("a"))})) ==
        wire::ErrorCode::kForbidden);
  auto bobs = node_multiple_resource_id(bob().node, 1);
  CHECK(store_error(store_req(bobs, kNodeMulti,
                              {signed_data(alice(), bobs, kNodeMulti, dv("a"))})) ==
        wire::ErrorCode::kForbidden);
}

TEST_CASE("signatures: forged, tampered, unknown certificate, other resource") {
  auto res = resource_id_of(alice().user);
  auto good = signed_data(alice(), res, kUserSingle, dv("hello"));
  SUBCASE("forged signature value") {
    auto bad = good;
    bad.signature.value.back() ^= std::byte{1};
    CHECK(store_error(store_req(res, kUserSingle, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("value changed after signing") {
    auto bad = good;
    std::get<wire::DataValue>(bad.value).value = to_bytes("hellO");
    CHECK(store_error(store_req(res, kUserSingle, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("storage_time changed after signing") {
    auto bad = good;
    bad.storage_time += 1;
    CHECK(store_error(store_req(res, kUserSingle, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("signed by a certificate the verifier does not know") {
    auto bad = signed_data(mallory(), res, kUserSingle, dv("hello"));
    CHECK(store_error(store_req(res, kUserSingle, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("signature made for another kind") {
    auto bad = signed_data(alice(), res, kUserArray, dv("hello"));
    CHECK(store_error(store_req(res, kUserSingle, {bad})) == wire::ErrorCode::kForbidden);
  }
  SUBCASE("lifetime is not covered: a peer may lower it") {
    auto shorter = good;
    shorter.lifetime = 5;
    CHECK(stores(store_req(res, kUserSingle, {shorter})));
  }
  SUBCASE("a fetcher re-verifies what it fetched") {
    auto v = verifier();
    auto signer = verify_stored_data(v, res, kUserSingle, good);
    REQUIRE(signer);
    CHECK(signer->user == alice().user);
    CHECK(access_allowed(*registry().find(kUserSingle), res, good.value, *signer));
  }
}

TEST_CASE("kind registry") {
  KindRegistry k;
  CHECK(k.add(sip_registration_kind()));
  CHECK_FALSE(k.add(sip_registration_kind()));  // id taken
  CHECK_FALSE(k.add({7, DataModel::kSingle, AccessPolicy::kUserNodeMatch, 1, 1, 0}));
  CHECK_FALSE(k.add({8, DataModel::kSingle, AccessPolicy::kNodeMultiple, 1, 1, 0}));
  const KindDef* sip = k.find(1);
  REQUIRE(sip);
  CHECK(sip->model == DataModel::kDictionary);
  CHECK(sip->policy == AccessPolicy::kUserNodeMatch);
  CHECK(k.model_lookup()(1) == DataModel::kDictionary);
  CHECK_FALSE(k.model_lookup()(99).has_value());
}

}  // namespace p2psip::storage::test
