// Lifetimes counted from storage_time (issue 16: a replayed old value does not come back to
// life) and the replica generation-counter rule of RFC 6940 §7.4.1.1.
#include <doctest/doctest.h>

#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

wire::ResourceId res() { return resource_id_of(alice().user); }

wire::StoreReq sip(std::uint64_t storage_time, std::uint32_t lifetime, std::string_view contact,
                   std::uint8_t replica_number = 0, wire::GenerationCounter gen = 0) {
  auto req = store_req(res(), kSip,
                       {signed_data(alice(), res(), kSip, dict(alice().node, contact),
                                    storage_time, lifetime)}, gen);
  req.replica_number = replica_number;
  return req;
}

std::size_t values_at(const DataStore& s, WallMs now) {
  auto all = s.export_resource(res(), now, 1);
  return all ? all->kind_data.at(0).values.size() : 0;
}

}  // namespace

TEST_CASE("a value whose lifetime ended, counted from its storage_time, is Error_Data_Too_Old") {
  DataStore s(registry());
  auto v = verifier();
  // Signed two minutes ago for 60 s, replayed now (the lifetime field is not signed: a
  // replayer may write any, so it only shortens the value's life, never lengthens it).
  auto r = s.store(sip(kNow - 120'000, 60, "sip:old@x"), kNow, v);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == wire::ErrorCode::kDataTooOld);
  CHECK(values_at(s, kNow) == 0);
  // As a replica copy it is skipped, not an error.
  CHECK(s.store(sip(kNow - 120'000, 60, "sip:old@x", 1, 4), kNow, v));
  CHECK(values_at(s, kNow) == 0);
}

TEST_CASE("a value lives until storage_time + lifetime, not lifetime from its arrival") {
  DataStore s(registry());
  auto v = verifier();
  REQUIRE(s.store(sip(kNow - 60'000, 100, "sip:a@x"), kNow, v));  // ends at kNow + 40 s
  CHECK(values_at(s, kNow + 39'000) == 1);
  s.expire(kNow + 41'000);
  CHECK(values_at(s, kNow + 41'000) == 0);
}

TEST_CASE("replica copies carry the lifetime counted from storage_time") {
  DataStore a(registry());
  auto v = verifier();
  REQUIRE(a.store(sip(kNow - 10'000, 60, "sip:a@x"), kNow, v));  // ends at kNow + 50 s
  auto copy = a.export_resource(res(), kNow + 20'000, 1);
  REQUIRE(copy);
  CHECK(copy->kind_data.at(0).values.at(0).lifetime == 60);
  DataStore b(registry());
  REQUIRE(b.store(*copy, kNow + 20'000, v));
  CHECK(values_at(b, kNow + 49'000) == 1);
  b.expire(kNow + 51'000);
  CHECK(values_at(b, kNow + 51'000) == 0);
}

TEST_CASE("a replica store sets the generation counter to the message's (§7.4.1.1)") {
  DataStore s(registry());
  auto v = verifier();
  REQUIRE(s.store(sip(kNow, 60, "sip:a@x", 1, 7), kNow, v));
  CHECK(s.generation(res(), kSip) == 7);
  REQUIRE(s.store(sip(kNow + 1, 60, "sip:b@x", 1, 3), kNow, v));
  CHECK(s.generation(res(), kSip) == 3);
  // A copy that changes nothing (not newer) leaves the counter.
  REQUIRE(s.store(sip(kNow + 1, 60, "sip:b@x", 2, 9), kNow, v));
  CHECK(s.generation(res(), kSip) == 3);
}

}  // namespace p2psip::storage::test
