// Data signed by a certificate a bad-node entry lists (RFC 6940 §11.1), stored before the
// entry appeared: dropped from the store (DataStore::drop_signed_by) and refused by the
// verifier of lookups (BadNodeFilter), memoized signatures included.
#include <doctest/doctest.h>

#include "overlay/storage/bad_node_filter.h"
#include "overlay/storage/signature_memo.h"
#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

std::size_t fetched(DataStore& store, const wire::ResourceId& res) {
  auto r = store.fetch(wire::FetchReq{res, {wire::StoredDataSpecifier{kUserSingle, 0, {}}}}, kNow);
  REQUIRE(r);
  return r->kind_responses.at(0).values.size();
}

}  // namespace

TEST_CASE("bad-node data: values of a listed signer are dropped, others kept") {
  DataStore store{registry()};
  CertificateVerifier v = verifier();
  auto a = resource_id_of(alice().user), b = resource_id_of(bob().user);
  REQUIRE(store.store(store_req(a, kUserSingle, {signed_data(alice(), a, kUserSingle, dv("a"))}), kNow, v));
  REQUIRE(store.store(store_req(b, kUserSingle, {signed_data(bob(), b, kUserSingle, dv("b"))}), kNow, v));
  REQUIRE(store.value_count() == 2);
  // alice's certificate holds two Node-IDs: listing the second one is enough (§11.1).
  security::NodeId second{};
  second.fill(std::byte{0x12});
  const wire::NodeId alice_second(second);
  CHECK(store.drop_signed_by([&](const wire::NodeId& id) { return id == alice_second; }) == 1);
  CHECK(store.value_count() == 1);
  CHECK(fetched(store, a) == 0);
  CHECK(fetched(store, b) == 1);
  CHECK(store.resource_count() == 1);  // alice's resource left empty: gone
  CHECK(store.drop_signed_by([](const wire::NodeId&) { return false; }) == 0);
  CHECK(store.value_count() == 1);
}

TEST_CASE("bad-node data: a registration keyed by its signer's one Node-ID is dropped too") {
  // The signer's Node-IDs are then the dictionary key itself (SignerIds holds nothing).
  DataStore store{registry()};
  CertificateVerifier v = verifier();
  auto b = resource_id_of(bob().user);
  REQUIRE(store.store(store_req(b, kSip, {signed_data(bob(), b, kSip, dict(bob().node, "b"))}), kNow, v));
  const DataStore::KindState* state = store.kind_state(b, kSip);
  REQUIRE(state);
  REQUIRE(state->entries.size() == 1);
  CHECK_FALSE(state->entries.begin()->second.signer.out_of_line());
  CHECK(store.drop_signed_by([&](const wire::NodeId& id) { return id == alice().node; }) == 0);
  CHECK(store.value_count() == 1);
  CHECK(store.drop_signed_by([&](const wire::NodeId& id) { return id == bob().node; }) == 1);
  CHECK(store.value_count() == 0);
}

TEST_CASE("SignerIds: one Node-ID equal to the key in place, anything else out of line") {
  const wire::NodeId n = bob().node, m = alice().node;
  auto key = [](const wire::NodeId& id) { return Bytes(id.bytes().begin(), id.bytes().end()); };
  auto is = [](const wire::NodeId& want) {
    return [want](const wire::NodeId& id) { return id == want; };
  };
  SignerIds keyed({n}, key(n));
  CHECK_FALSE(keyed.out_of_line());
  CHECK(keyed.any_listed(is(n), key(n)));
  CHECK_FALSE(keyed.any_listed(is(m), key(n)));
  SignerIds other_key({n}, key(m));
  CHECK(other_key.out_of_line());
  CHECK(other_key.any_listed(is(n), key(m)));
  CHECK_FALSE(other_key.any_listed(is(m), key(m)));
  SignerIds two({m, n}, key(n));
  CHECK(two.any_listed(is(m), key(n)));
  SignerIds none({}, key(n));
  CHECK_FALSE(none.any_listed(is(n), key(n)));
  SignerIds copy = two;  // a deep copy, equal
  CHECK(copy == two);
  CHECK_FALSE(copy == keyed);
  CHECK(SignerIds(keyed) == keyed);
}

TEST_CASE("bad-node data: a lookup's verifier refuses a listed signer, even memoized") {
  auto res = resource_id_of(alice().user);
  auto data = signed_data(alice(), res, kUserSingle, dv("a"));
  security::BadNodes bad;
  auto memo = std::make_shared<SignatureMemo>();
  auto make = [&] {
    return BadNodeFilter(std::make_unique<MemoizingVerifier>(std::make_unique<CertificateVerifier>(verifier()),
                                                             memo, security::SysSeconds{}),
                         bad);
  };
  auto before = make();
  REQUIRE(verify_stored_data(before, res, kUserSingle, data).has_value());  // now memoized
  bad.replace({alice().node.bytes()});
  auto after = make();
  CHECK_FALSE(verify_stored_data(after, res, kUserSingle, data).has_value());
  CHECK(bad.refused()[static_cast<std::size_t>(security::BadNodes::Refused::kData)] == 1);
  auto bobs = signed_data(bob(), resource_id_of(bob().user), kUserSingle, dv("b"));
  CHECK(verify_stored_data(after, resource_id_of(bob().user), kUserSingle, bobs).has_value());
}

}  // namespace p2psip::storage::test
