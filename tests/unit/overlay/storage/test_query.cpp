// Fetch, Stat, Find (RFC 6940 §7.4.2 - §7.4.4) and the request dispatch.
#include <doctest/doctest.h>

#include <openssl/sha.h>

#include "overlay/storage/service.h"
#include "overlay/wire/bodies_misc.h"
#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

struct Two {
  DataStore store{registry()};
  CertificateVerifier v = verifier();
  wire::ResourceId res = resource_id_of(alice().user);
  Two() {
    auto a = signed_data(alice(), res, kSip, dict(alice().node, "first"));
    wire::NodeId second = wire::NodeId::from_hex("12121212121212121212121212121212").value();
    auto b = signed_data(alice(), res, kSip, dict(second, "second"));
    REQUIRE(store.store(store_req(res, kSip, {a, b}), kNow, v));
  }
  std::vector<wire::StoredData> fetch(std::vector<Bytes> keys, wire::GenerationCounter gen = 0) {
    wire::StoredDataSpecifier spec{kSip, gen, wire::DictionarySpecifier{std::move(keys)}};
    auto r = store.fetch(wire::FetchReq{res, {spec}}, kNow);
    REQUIRE(r);
    return r->kind_responses.at(0).values;
  }
};

Bytes key_of(const wire::NodeId& n) { return Bytes(n.view().begin(), n.view().end()); }

}  // namespace

TEST_CASE("dictionary: fetch one key, unknown keys, all keys") {
  Two t;
  auto one = t.fetch({key_of(alice().node), key_of(bob().node)});
  REQUIRE(one.size() == 2);  // bob's key is absent: a synthetic value (§7.4.2.2)
  auto by_key = [&](const wire::NodeId& n) {
    for (const auto& d : one) {
      if (std::get<wire::DictionaryEntry>(d.value).key == key_of(n)) return d;
    }
    FAIL("key missing from the answer");
    return wire::StoredData{};
  };
  CHECK(std::get<wire::DictionaryEntry>(by_key(alice().node).value).value == dv("first"));
  wire::StoredData synthetic = by_key(bob().node);
  CHECK(std::get<wire::DictionaryEntry>(synthetic.value).value == wire::DataValue{false, {}});
  CHECK(synthetic.storage_time == 0);
  CHECK(synthetic.lifetime == 0);
  CHECK(synthetic.signature.identity == wire::SignerIdentity{});  // none
  CHECK(synthetic.signature.algorithm.hash == 0);                  // "none"
  CHECK(synthetic.signature.algorithm.signature == 0);             // "anonymous"
  CHECK(synthetic.signature.value.empty());
  CHECK(t.fetch({}).size() == 2);
  auto v = verifier();
  for (const auto& d : t.fetch({})) CHECK(verify_stored_data(v, t.res, kSip, d));
}

TEST_CASE("fetch: generation counters, empty kinds, unknown kinds") {
  Two t;
  CHECK(t.store.generation(t.res, kSip) == 1);
  CHECK(t.fetch({}, 1).empty());      // the fetcher is up to date
  CHECK(t.fetch({}, 7).size() == 2);  // any other counter: the values
  wire::StoredDataSpecifier none{kUserSingle, 0, wire::SingleSpecifier{}};
  auto r = t.store.fetch(wire::FetchReq{t.res, {none}}, kNow);
  REQUIRE(r);
  CHECK(r->kind_responses.at(0).generation == 0);
  CHECK(r->kind_responses.at(0).values.empty());
  wire::StoredDataSpecifier unknown{555, 0, wire::UnknownSpecifier{}};
  auto u = t.store.fetch(wire::FetchReq{t.res, {unknown}}, kNow);
  REQUIRE_FALSE(u);
  CHECK(u.error().code == wire::ErrorCode::kUnknownKind);
  wire::StoredDataSpecifier wrong{kSip, 0, wire::SingleSpecifier{}};
  auto w = t.store.fetch(wire::FetchReq{t.res, {wrong}}, kNow);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == wire::ErrorCode::kInvalidMessage);
}

TEST_CASE("stat: metadata with the SHA-256 of the length-prefixed value") {
  Two t;
  wire::StoredDataSpecifier spec{kSip, 0, wire::DictionarySpecifier{{key_of(alice().node)}}};
  auto r = t.store.stat(wire::StatReq{t.res, {spec}}, kNow + 1'000);
  REQUIRE(r);
  auto& meta = r->kind_responses.at(0).values.at(0);
  CHECK(meta.value_length == 5);
  CHECK(meta.storage_time == kNow);
  CHECK(meta.lifetime == 59);
  auto& entry = std::get<wire::DictionaryEntryMeta>(meta.metadata);
  CHECK(entry.key == key_of(alice().node));
  CHECK(entry.value.exists);
  CHECK(entry.value.hash_algorithm == wire::kHashSha256);
  const unsigned char input[] = {0, 0, 0, 5, 'f', 'i', 'r', 's', 't'};
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(input, sizeof input, digest);
  Bytes expected;
  for (unsigned char c : digest) expected.push_back(std::byte{c});
  CHECK(entry.value.hash_value == expected);
}

TEST_CASE("find: the first Resource-ID at or after the one asked, per kind") {
  Two t;
  auto r = t.store.find(wire::FindReq{zero_resource_id(), {kSip, kUserSingle, 555}}, kNow);
  REQUIRE(r);
  REQUIRE(r->results.size() == 3);
  CHECK(r->results[0].closest == t.res);
  CHECK(r->results[1].closest == zero_resource_id());  // nothing of that kind
  CHECK(r->results[2].closest == zero_resource_id());  // unknown kind
  wire::ResourceId after{Bytes(16, std::byte{0xff})};
  CHECK(t.store.find(wire::FindReq{after, {kSip}}, kNow)->results[0].closest ==
        zero_resource_id());
  auto dup = t.store.find(wire::FindReq{t.res, {kSip, kSip}}, kNow);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == wire::ErrorCode::kInvalidMessage);
}

TEST_CASE("service: bodies in, answers out; malformed bodies are Error_Invalid_Message") {
  DataStore store(registry());
  auto v = verifier();
  auto res = resource_id_of(alice().user);
  auto req = store_req(res, kUserSingle, {signed_data(alice(), res, kUserSingle, dv("x"))});
  Bytes body = wire::encode_to_bytes(req).value();
  RequestContext ctx{kNow, true, {}};
  auto ok = handle_storage_request(store, registry(), wire::MessageCode::kStoreReq, body, ctx, v);
  CHECK(ok.code == wire::MessageCode::kStoreAns);
  CHECK(wire::decode_store_ans(ok.body));

  auto error_code = [&](wire::MessageCode code, ByteView b, bool responsible = true) {
    auto a = handle_storage_request(store, registry(), code, b, {kNow, responsible, {}}, v);
    REQUIRE(a.code == wire::MessageCode::kError);
    auto e = wire::decode_error_response(ByteView(a.body));
    REQUIRE(e);
    return e->error_code;
  };
  CHECK(error_code(wire::MessageCode::kStoreReq, body, false) ==
        wire::to_u16(wire::ErrorCode::kNotFound));
  Bytes truncated(body.begin(), body.end() - 3);
  for (auto code : {wire::MessageCode::kStoreReq, wire::MessageCode::kFetchReq,
                    wire::MessageCode::kStatReq, wire::MessageCode::kFindReq}) {
    CHECK(error_code(code, truncated) == wire::to_u16(wire::ErrorCode::kInvalidMessage));
    Bytes garbage(200, std::byte{0xff});
    CHECK(error_code(code, garbage) == wire::to_u16(wire::ErrorCode::kInvalidMessage));
  }
  CHECK(error_code(wire::MessageCode::kPingReq, body) ==
        wire::to_u16(wire::ErrorCode::kInvalidMessage));
  // A second store of the same value is too old (storage_time not newer).
  CHECK(error_code(wire::MessageCode::kStoreReq, body) ==
        wire::to_u16(wire::ErrorCode::kDataTooOld));
}

}  // namespace p2psip::storage::test
