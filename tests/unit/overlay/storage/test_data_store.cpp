// Store rules (RFC 6940 §7.4.1): storage_time, generation counters, limits, deletion,
// expiry, unknown kinds, atomicity, replica bookkeeping.
#include <doctest/doctest.h>

#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

struct Env {
  DataStore store{registry()};
  CertificateVerifier v = verifier();
  wire::ResourceId res = resource_id_of(alice().user);

  StorageResult<wire::StoreAns> put(KindId kind, wire::StoredDataValue value,
                                    std::uint64_t t = kNow, wire::GenerationCounter gen = 0,
                                    std::uint32_t lifetime = 60, WallMs now = kNow) {
    return store.store(store_req(res, kind, {signed_data(alice(), res, kind, value, t, lifetime)},
                                 gen), now, v);
  }
  std::vector<wire::StoredData> get(KindId kind, WallMs now = kNow) {
    wire::StoredDataSpecifier spec{kind, 0, {}};
    if (kind == kUserArray) spec.model = wire::ArraySpecifier{{{0, 0xfffffffe}}};
    if (kind == kSip) spec.model = wire::DictionarySpecifier{};
    auto r = store.fetch(wire::FetchReq{res, {spec}}, now);
    REQUIRE(r);
    return r->kind_responses.at(0).values;
  }
};

}  // namespace

TEST_CASE("single value: store, replace, generation counter increases") {
  Env e;
  auto a = e.put(kUserSingle, dv("one"));
  REQUIRE(a);
  CHECK(a->kind_responses.at(0).generation_counter == 1);
  auto b = e.put(kUserSingle, dv("two"), kNow + 1);
  REQUIRE(b);
  CHECK(b->kind_responses.at(0).generation_counter == 2);
  auto values = e.get(kUserSingle);
  REQUIRE(values.size() == 1);
  CHECK(std::get<wire::DataValue>(values[0].value) == dv("two"));
}

TEST_CASE("storage_time: older or equal data is Error_Data_Too_Old") {
  Env e;
  REQUIRE(e.put(kUserSingle, dv("new"), kNow));
  auto older = e.put(kUserSingle, dv("old"), kNow - 1);
  REQUIRE_FALSE(older);
  CHECK(older.error().code == wire::ErrorCode::kDataTooOld);
  auto same = e.put(kUserSingle, dv("same"), kNow);
  REQUIRE_FALSE(same);
  CHECK(same.error().code == wire::ErrorCode::kDataTooOld);
  CHECK(std::get<wire::DataValue>(e.get(kUserSingle).at(0).value) == dv("new"));
}

TEST_CASE("generation counter: a stale non-zero counter is refused with the current one") {
  Env e;
  REQUIRE(e.put(kUserSingle, dv("1"), kNow));
  REQUIRE(e.put(kUserSingle, dv("2"), kNow + 1, 1));  // matches the current counter
  auto stale = e.put(kUserSingle, dv("3"), kNow + 2, 1);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == wire::ErrorCode::kGenerationCounterTooLow);
  auto info = wire::decode_store_ans(stale.error().error_info);
  REQUIRE(info);
  CHECK(info->kind_responses.at(0).generation_counter == 2);
  CHECK(e.put(kUserSingle, dv("3"), kNow + 2, 0));  // 0: no check
}

TEST_CASE("limits: max-size and max-count are Error_Data_Too_Large") {
  Env e;
  e.res = node_resource_id(alice().node);
  CHECK(e.put(kNodeSingle, dv("12345678")));
  auto big = e.put(kNodeSingle, dv("123456789"), kNow + 1);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == wire::ErrorCode::kDataTooLarge);
  Env a;
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(a.put(kUserArray, wire::ArrayEntry{i, dv("x")}));
  auto fourth = a.put(kUserArray, wire::ArrayEntry{3, dv("x")});
  REQUIRE_FALSE(fourth);
  CHECK(fourth.error().code == wire::ErrorCode::kDataTooLarge);
  CHECK(a.put(kUserArray, wire::ArrayEntry{1, dv("y")}, kNow + 1));  // a replacement fits
}

TEST_CASE("deletion: exists=false replaces the value and keeps older stores out") {
  Env e;
  REQUIRE(e.put(kUserSingle, dv("v"), kNow));
  REQUIRE(e.put(kUserSingle, dv("", false), kNow + 1));
  auto values = e.get(kUserSingle);
  REQUIRE(values.size() == 1);
  CHECK_FALSE(std::get<wire::DataValue>(values[0].value).exists);
  auto replay = e.put(kUserSingle, dv("v"), kNow);
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code == wire::ErrorCode::kDataTooOld);
}

TEST_CASE("lifetime: values expire; fetch shows the remaining lifetime") {
  Env e;
  REQUIRE(e.put(kUserSingle, dv("v"), kNow, 0, 10));
  CHECK(e.store.next_expiry() == kNow + 10'000);
  CHECK(e.get(kUserSingle, kNow + 4'500).at(0).lifetime == 6);
  CHECK(e.get(kUserSingle, kNow + 10'000).empty());
  CHECK(e.store.resource_count() == 0);
  CHECK_FALSE(e.store.next_expiry());
  // After expiry an older storage_time is accepted again while its lifetime, counted from its
  // storage_time, lasts; the expired value replayed is Error_Data_Too_Old (issue 16).
  auto replay = e.put(kUserSingle, dv("w"), kNow - 5, 0, 10, kNow + 10'000);
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code == wire::ErrorCode::kDataTooOld);
  CHECK(e.put(kUserSingle, dv("w"), kNow - 5, 0, 20, kNow + 10'000));
}

TEST_CASE("lifetime: a refresh moves the expiry; shorter and erased values end on time") {
  Env e;
  REQUIRE(e.put(kUserSingle, dv("v"), kNow, 0, 10));
  // Refreshed at +5 s for 10 s more: the old +10 s deadline must not remove it.
  REQUIRE(e.put(kUserSingle, dv("v2"), kNow + 5'000, 0, 10, kNow + 5'000));
  CHECK(e.store.next_expiry() <= kNow + 10'000);  // early wake-ups are allowed, late are not
  e.store.expire(kNow + 12'000);
  REQUIRE(e.get(kUserSingle, kNow + 12'000).size() == 1);
  CHECK(e.get(kUserSingle, kNow + 12'000).at(0).lifetime == 3);
  CHECK(e.store.next_expiry() == kNow + 15'000);
  CHECK(e.get(kUserSingle, kNow + 15'000).empty());
  CHECK_FALSE(e.store.next_expiry());
  // A replacement with a shorter lifetime ends at its own, earlier time.
  REQUIRE(e.put(kUserSingle, dv("w"), kNow + 20'000, 0, 60, kNow + 20'000));
  REQUIRE(e.put(kUserSingle, dv("x"), kNow + 21'000, 0, 2, kNow + 21'000));
  CHECK(e.get(kUserSingle, kNow + 23'000).empty());
  // An erased resource stored again keeps only its new deadline.
  REQUIRE(e.put(kUserSingle, dv("y"), kNow + 30'000, 0, 5, kNow + 30'000));
  CHECK(e.store.erase_resource(e.res));
  REQUIRE(e.put(kUserSingle, dv("z"), kNow + 31'000, 0, 60, kNow + 31'000));
  CHECK(e.get(kUserSingle, kNow + 36'000).size() == 1);
  CHECK(e.get(kUserSingle, kNow + 91'000).empty());
}

TEST_CASE("array: sparse stores, append at 0xffffffff, ranges") {
  Env e;
  REQUIRE(e.put(kUserArray, wire::ArrayEntry{5, dv("five")}));
  REQUIRE(e.put(kUserArray, wire::ArrayEntry{kArrayAppendIndex, dv("six")}));
  REQUIRE(e.put(kUserArray, wire::ArrayEntry{1, dv("one")}));
  auto all = e.get(kUserArray);
  REQUIRE(all.size() == 3);
  CHECK(std::get<wire::ArrayEntry>(all[2].value).index == 6);
  // §7.4.2.2: array signatures are computed with the index zeroed, so the appended value's
  // signature (made over 0xffffffff) verifies at the index it was placed at.
  for (const auto& d : all) CHECK(verify_stored_data(e.v, e.res, kUserArray, d));
  wire::StoredDataSpecifier spec{kUserArray, 0, wire::ArraySpecifier{{{4, 5}, {5, 9}, {3, 2}}}};
  auto r = e.store.fetch(wire::FetchReq{e.res, {spec}}, kNow);
  REQUIRE(r);
  auto& vals = r->kind_responses.at(0).values;
  REQUIRE(vals.size() == 2);
  CHECK(std::get<wire::ArrayEntry>(vals[0].value).index == 5);
  CHECK(std::get<wire::ArrayEntry>(vals[1].value).index == 6);
}

TEST_CASE("unknown kinds and wrong data models") {
  Env e;
  auto r = e.store.store(store_req(e.res, 999, {}), kNow, e.v);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == wire::ErrorCode::kUnknownKind);
  auto kinds = wire::decode_unknown_kinds(r.error().error_info);
  REQUIRE(kinds);
  CHECK(kinds->kinds == std::vector<KindId>{999});
  auto wrong = e.put(kUserSingle, wire::ArrayEntry{0, dv("x")});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == wire::ErrorCode::kInvalidMessage);
}

TEST_CASE("a StoreReq applies wholly or not at all") {
  Env e;
  wire::StoreReq req = store_req(e.res, kUserSingle,
                                 {signed_data(alice(), e.res, kUserSingle, dv("ok"))});
  req.kind_data.push_back({kSip, 0, {signed_data(alice(), e.res, kSip, dict(bob().node, "x"))},
                           std::nullopt});
  auto r = e.store.store(req, kNow, e.v);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == wire::ErrorCode::kForbidden);
  CHECK(e.store.value_count() == 0);
}

TEST_CASE("replica bookkeeping: ranges, export and import") {
  Env e;
  REQUIRE(e.put(kSip, dict(alice().node, "sip:alice@10.0.0.1"), kNow, 0, 100));
  REQUIRE(e.put(kSip, dict(alice().node, "sip:alice@10.0.0.2"), kNow + 1, 0, 100));
  CHECK(e.store.resources() == std::vector<wire::ResourceId>{e.res});
  wire::NodeId zero;
  CHECK(e.store.resources_in_range(zero, zero).size() == 1);  // whole ring
  auto point = wire::NodeId::from_bytes(e.res.bytes).value();
  CHECK(e.store.resources_in_range(point, point).size() == 1);
  auto exported = e.store.export_resource(e.res, kNow + 40'000, 1);
  REQUIRE(exported);
  CHECK(exported->replica_number == 1);
  CHECK(exported->kind_data.at(0).generation_counter == 2);
  // The lifetime counted from storage_time (kNow + 1): the receiver counts from there too.
  CHECK(exported->kind_data.at(0).values.at(0).lifetime == 100);

  DataStore replica(registry());
  REQUIRE(replica.store(*exported, kNow + 40'000, e.v));
  REQUIRE(replica.store(*exported, kNow + 40'000, e.v));  // the same copy again is a no-op
  CHECK(replica.generation(e.res, kSip) == 2);
  CHECK(replica.next_expiry() == kNow + 1 + 100'000);  // rounded up to whole seconds
  CHECK(e.store.erase_resource(e.res));
  CHECK_FALSE(e.store.export_resource(e.res, kNow, 1));
}

}  // namespace p2psip::storage::test
