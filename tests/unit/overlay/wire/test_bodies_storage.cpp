#include "overlay/wire/bodies_storage.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

// Kind 1: dictionary (SIP-REGISTRATION); 0x20: array; 0x30: single; anything else unknown.
std::optional<DataModel> test_models(KindId k) {
  if (k == 1) return DataModel::kDictionary;
  if (k == 0x20) return DataModel::kArray;
  if (k == 0x30) return DataModel::kSingle;
  return std::nullopt;
}
const KindModelLookup kModels = test_models;

const char* const kResourceHex = "10 abababababababababababababababab";  // ResourceId<0..2^8-1>

// StoredData, dictionary model, key = Node-ID 11..11, value "bar", signed (59 bytes).
const char* const kDictStoredDataHex =
    "00000037"                                     // StoredData.length: 55
    "0000018c0a0b0c0d 00015180"                    // storage_time, lifetime 86400
    "0010 11111111111111111111111111111111"        // DictionaryEntry.key
    "01 00000003 626172"                           // DataValue: exists, "bar"
    "0401 01 0006 04 04aabbccdd 0004 01020304";    // Signature

StoredData dict_stored() {
  StoredData d;
  d.storage_time = 0x0000018c0a0b0c0dULL;
  d.lifetime = 86400;
  d.value = DictionaryEntry{Bytes(16, std::byte{0x11}), DataValue{true, to_bytes("bar")}};
  d.signature.algorithm = {kHashSha256, kSignatureRsa};
  d.signature.identity = {SignerIdentityType::kCertHash, kHashSha256, hex("aabbccdd")};
  d.signature.value = hex("01020304");
  return d;
}

ResourceId resource() { return ResourceId{Bytes(16, std::byte{0xab})}; }

Bytes store_bytes() {
  return cat({hex(kResourceHex),            // resource
              hex("00"),                    // replica_number
              hex("0000004b"),              // kind_data<0..2^32-1>: 75 bytes
              hex("00000001"),              //   StoreKindData.kind: 1
              hex("0000000000000063"),      //   generation_counter: 99
              hex("0000003b"),              //   values<0..2^32-1>: 59 bytes
              hex(kDictStoredDataHex)});
}

StoreReq store_req() {
  StoreReq s;
  s.resource = resource();
  s.replica_number = 0;
  s.kind_data.push_back(StoreKindData{1, 99, {dict_stored()}, std::nullopt});
  return s;
}

Bytes fetch_bytes() {
  return cat({hex(kResourceHex),
              hex("0028"),                                  // specifiers: 40 bytes
              hex("00000001 0000000000000000 0002 0000"),   // kind 1, gen 0, keys<>: none
              hex("00000020 0000000000000005 000a"),        // kind 0x20, gen 5, length 10
              hex("0008 00000000 00000002")});              //   indices: [0, 2]
}

FetchReq fetch_req() {
  FetchReq f;
  f.resource = resource();
  f.specifiers.push_back({1, 0, DictionarySpecifier{}});
  f.specifiers.push_back({0x20, 5, ArraySpecifier{{ArrayRange{0, 2}}}});
  return f;
}

Bytes fetch_ans_bytes() {
  return cat({hex("0000004b"),                   // kind_responses<0..2^32-1>: 75 bytes
              hex("00000001 0000000000000063"),  //   kind 1, generation 99
              hex("0000003b"),                   //   values: 59 bytes
              hex(kDictStoredDataHex)});
}

auto dec_store = [](ByteView b) { return decode_store_req(b, kModels); };
auto dec_store_ans = [](ByteView b) { return decode_store_ans(b); };
auto dec_fetch = [](ByteView b) { return decode_fetch_req(b, kModels); };
auto dec_fetch_ans = [](ByteView b) { return decode_fetch_ans(b, kModels); };
auto dec_stat = [](ByteView b) { return decode_stat_req(b, kModels); };
auto dec_stat_ans = [](ByteView b) { return decode_stat_ans(b, kModels); };
auto dec_find = [](ByteView b) { return decode_find_req(b); };
auto dec_find_ans = [](ByteView b) { return decode_find_ans(b); };
auto dec_unknown = [](ByteView b) { return decode_unknown_kinds(b); };

}  // namespace

TEST_CASE("StoreReq: hand-written bytes") {
  auto got = decode_store_req(store_bytes(), kModels);
  REQUIRE(got.has_value());
  CHECK(*got == store_req());
  CHECK(encoded(store_req()) == store_bytes());
  CHECK(got->unknown_kinds().empty());
  check_every_prefix_truncated(store_bytes(), dec_store);
  check_trailing_byte_rejected(store_bytes(), dec_store);
}

TEST_CASE("StoreReq: nested lengths must add up") {
  Bytes b = store_bytes();
  b[17 + 1 + 3] = std::byte{0x4c};  // kind_data one longer than its StoreKindData
  b.push_back(std::byte{0});
  CHECK_FALSE(dec_store(b).has_value());
  b = store_bytes();
  b[17 + 1 + 4 + 12 + 3] = std::byte{0x3c};  // values one longer than the StoredData
  b.push_back(std::byte{0});
  b[17 + 1 + 3] = std::byte{0x4c};
  CHECK(failure_of(dec_store(b)) == DecodeFailure::kTruncated);  // 1 byte is no StoredData
}

TEST_CASE("StoreReq: unknown kinds are kept undecoded for Error_Unknown_Kind") {
  StoreReq s = store_req();
  s.kind_data.push_back(StoreKindData{0x99, 1, {}, hex("00 01 02")});
  Bytes b = encoded(s);
  auto got = decode_store_req(b, kModels);
  REQUIRE(got.has_value());
  CHECK(*got == s);
  CHECK(got->unknown_kinds() == std::vector<KindId>{0x99});
  CHECK(encoded(*got) == b);
  StoreKindData both{0x99, 1, {dict_stored()}, hex("00")};
  CHECK(encode_fails(both));
}

TEST_CASE("StoreReq: round trips and caps") {
  check_round_trip(store_req(), dec_store);
  check_round_trip(StoreReq{}, dec_store);
  StoreReq many = store_req();
  many.kind_data.assign(kMaxKindsPerRequest + 1, StoreKindData{0x30, 0, {}, std::nullopt});
  CHECK(encode_fails(many));
  many.kind_data.resize(kMaxKindsPerRequest);
  check_round_trip(many, dec_store);
  // Over-cap values for one kind, built by hand: kMaxStoredDataPerKind + 1 single values.
  StoredData one;
  one.value = DataValue{true, {}};
  Bytes entry = encoded(one);
  Writer w;
  encode(w, resource());
  w.u8(0);
  Writer::Mark kinds = w.begin(4, 0xffffffff);
  w.u32(0x30);
  w.u64(0);
  Writer::Mark values = w.begin(4, 0xffffffff);
  for (std::size_t i = 0; i <= kMaxStoredDataPerKind; ++i) w.raw(entry);
  w.end(values);
  w.end(kinds);
  REQUIRE(w.ok());
  CHECK(failure_of(dec_store(w.bytes())) == DecodeFailure::kTooLarge);
}

TEST_CASE("StoreAns: bytes, round trip, caps") {
  StoreAns a;
  a.kind_responses.push_back(StoreKindResponse{1, 100, {node(0x22), node(0x33)}});
  Bytes b = cat({hex("002e"),                       // kind_responses: 46 bytes
                 hex("00000001 0000000000000064"),  // kind 1, generation_counter 100
                 hex("0020"),                       // replicas<0..2^16-1>: 2 Node-IDs
                 hex("22222222222222222222222222222222"),
                 hex("33333333333333333333333333333333")});
  auto got = decode_store_ans(b);
  REQUIRE(got.has_value());
  CHECK(*got == a);
  CHECK(encoded(a) == b);
  check_every_prefix_truncated(b, dec_store_ans);
  check_trailing_byte_rejected(b, dec_store_ans);
  Bytes odd = b;
  odd[1] = std::byte{0x2d};
  odd[15] = std::byte{0x1f};  // replicas length not a multiple of 16
  odd.pop_back();
  CHECK(failure_of(dec_store_ans(odd)) == DecodeFailure::kTruncated);
  a.kind_responses[0].replicas.assign(kMaxReplicas + 1, node(1));
  CHECK(encode_fails(a));
}

TEST_CASE("FetchReq: hand-written bytes") {
  auto got = decode_fetch_req(fetch_bytes(), kModels);
  REQUIRE(got.has_value());
  CHECK(*got == fetch_req());
  CHECK(encoded(fetch_req()) == fetch_bytes());
  check_every_prefix_truncated(fetch_bytes(), dec_fetch);
  check_trailing_byte_rejected(fetch_bytes(), dec_fetch);
  check_round_trip(fetch_req(), dec_fetch);
}

TEST_CASE("FetchAns: hand-written bytes and unknown kinds") {
  FetchAns want;
  want.kind_responses.push_back(FetchKindResponse{1, 99, {dict_stored()}, std::nullopt});
  auto got = decode_fetch_ans(fetch_ans_bytes(), kModels);
  REQUIRE(got.has_value());
  CHECK(*got == want);
  CHECK(encoded(want) == fetch_ans_bytes());
  check_every_prefix_truncated(fetch_ans_bytes(), dec_fetch_ans);
  check_trailing_byte_rejected(fetch_ans_bytes(), dec_fetch_ans);
  auto nobody_knows = [](KindId) -> std::optional<DataModel> { return std::nullopt; };
  auto raw = decode_fetch_ans(fetch_ans_bytes(), nobody_knows);
  REQUIRE(raw.has_value());
  CHECK(raw->kind_responses[0].values.empty());
  CHECK(raw->kind_responses[0].unknown_model_values == hex(kDictStoredDataHex));
  CHECK(encoded(*raw) == fetch_ans_bytes());
  check_round_trip(FetchAns{}, dec_fetch_ans);
}

TEST_CASE("StatReq/StatAns: round trips and negatives") {
  StatReq req{resource(), {StoredDataSpecifier{0x30, 0, SingleSpecifier{}}}};
  check_round_trip(req, dec_stat);
  StatAns ans;
  StatKindResponse k{0x30, 7, {}, std::nullopt};
  // value_length: the length of the rest of each StoredMetaData (12 + 9, 12 + 4 + 7).
  k.values.push_back(StoredMetaData{21, 1234, 60, MetaData{true, 3, kHashSha256, hex("beef")}});
  ans.kind_responses.push_back(k);
  StatKindResponse arr{0x20, 1, {}, std::nullopt};
  arr.values.push_back(StoredMetaData{23, 1, 2, ArrayEntryMeta{4, MetaData{}}});
  ans.kind_responses.push_back(arr);
  check_round_trip(ans, dec_stat_ans);
  Bytes b = encoded(ans);
  check_every_prefix_truncated(b, dec_stat_ans);
  check_trailing_byte_rejected(b, dec_stat_ans);
  b[4 + 12 + 4 + 16] = std::byte{7};  // MetaData.exists
  CHECK(failure_of(dec_stat_ans(b)) == DecodeFailure::kBadValue);
}

TEST_CASE("FindReq/FindAns: bytes, round trips, negatives") {
  FindReq req{resource(), {1, 0x20}};
  Bytes rb = cat({hex(kResourceHex), hex("08 00000001 00000020")});  // kinds<0..2^8-1>
  CHECK(encoded(req) == rb);
  check_round_trip(req, dec_find);
  check_every_prefix_truncated(rb, dec_find);
  check_trailing_byte_rejected(rb, dec_find);
  Bytes ragged = cat({hex(kResourceHex), hex("05 00000001 00")});  // not whole KindIds
  CHECK(failure_of(dec_find(ragged)) == DecodeFailure::kTruncated);
  FindReq too_many{resource(), std::vector<KindId>(kMaxFindKinds + 1, 1)};
  CHECK(encode_fails(too_many));

  FindAns ans{{FindKindData{1, resource()}, FindKindData{0x20, ResourceId{}}}};
  Bytes ab = cat({hex("001a"),                              // results: 26 bytes
                  hex("00000001"), hex(kResourceHex),       // kind 1, closest
                  hex("00000020 00")});                     // kind 0x20, no closest
  CHECK(encoded(ans) == ab);
  check_round_trip(ans, dec_find_ans);
  check_every_prefix_truncated(ab, dec_find_ans);
  check_trailing_byte_rejected(ab, dec_find_ans);
}

TEST_CASE("UnknownKinds (error_info of Error_Unknown_Kind)") {
  UnknownKinds u{{0x11, 0x22}};
  Bytes b = hex("08 00000011 00000022");
  CHECK(encoded(u) == b);
  check_round_trip(u, dec_unknown);
  check_every_prefix_truncated(b, dec_unknown);
}
