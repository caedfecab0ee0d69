#include "overlay/wire/storage_types.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

// Signature: sha256/rsa, SignerIdentity cert_hash with a 4-byte hash, 4-byte value. 17 bytes.
const char* const kSignatureHex =
    "04 01"               // SignatureAndHashAlgorithm: sha256(4), rsa(1)
    "01 0006"             // SignerIdentity: cert_hash(1), length 6
    "04 04 aabbccdd"      //   hash_alg sha256, certificate_hash<0..2^8-1>
    "0004 01020304";      // signature_value<0..2^16-1>

Signature sample_signature() {
  Signature s;
  s.algorithm = {kHashSha256, kSignatureRsa};
  s.identity.type = SignerIdentityType::kCertHash;
  s.identity.hash_alg = kHashSha256;
  s.identity.hash = hex("aabbccdd");
  s.value = hex("01020304");
  return s;
}

StoredData stored(StoredDataValue v) {
  StoredData d;
  d.storage_time = 0x0000018c0a0b0c0dULL;
  d.lifetime = 86400;
  d.value = std::move(v);
  d.signature = sample_signature();
  return d;
}

const char* const kTimesHex =
    "0000018c0a0b0c0d"    // storage_time (ms since epoch)
    "00015180";           // lifetime: 86400 s

Bytes single_bytes() {
  return cat({hex("00000025"),              // StoredData.length: 37
              hex(kTimesHex),
              hex("01 00000003 616263"),    // DataValue: exists=true, value<0..2^32-1> "abc"
              hex(kSignatureHex)});
}
Bytes array_bytes() {
  return cat({hex("00000029"),              // length: 41
              hex(kTimesHex),
              hex("00000001"),              // ArrayEntry.index: 1
              hex("01 00000003 666f6f"),    // DataValue "foo"
              hex(kSignatureHex)});
}
Bytes dictionary_bytes() {
  return cat({hex("00000037"),              // length: 55
              hex(kTimesHex),
              hex("0010 11111111111111111111111111111111"),  // DictionaryKey: a Node-ID
              hex("01 00000003 626172"),    // DataValue "bar"
              hex(kSignatureHex)});
}

auto single_decoder = [](ByteView b) { return decode_stored_data(b, DataModel::kSingle); };
auto array_decoder = [](ByteView b) { return decode_stored_data(b, DataModel::kArray); };
auto dict_decoder = [](ByteView b) { return decode_stored_data(b, DataModel::kDictionary); };

}  // namespace

TEST_CASE("StoredData: hand-written bytes for each data model") {
  SUBCASE("single value") {
    StoredData want = stored(DataValue{true, to_bytes("abc")});
    auto got = decode_stored_data(single_bytes(), DataModel::kSingle);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == single_bytes());
  }
  SUBCASE("array") {
    StoredData want = stored(ArrayEntry{1, DataValue{true, to_bytes("foo")}});
    auto got = decode_stored_data(array_bytes(), DataModel::kArray);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == array_bytes());
    CHECK(model_of(got->value) == DataModel::kArray);
  }
  SUBCASE("dictionary keyed by a Node-ID") {
    StoredData want = stored(DictionaryEntry{Bytes(16, std::byte{0x11}),
                                             DataValue{true, to_bytes("bar")}});
    auto got = decode_stored_data(dictionary_bytes(), DataModel::kDictionary);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == dictionary_bytes());
  }
  SUBCASE("a removal: exists=false, empty value (§7.4.1.3)") {
    StoredData want = stored(DataValue{false, {}});
    Bytes b = cat({hex("00000022"), hex(kTimesHex), hex("00 00000000"), hex(kSignatureHex)});
    auto got = decode_stored_data(b, DataModel::kSingle);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == b);
  }
}

TEST_CASE("StoredData: round trips") {
  check_round_trip(stored(DataValue{true, to_bytes("abc")}), single_decoder);
  check_round_trip(stored(ArrayEntry{0xffffffff, DataValue{false, {}}}), array_decoder);
  check_round_trip(stored(DictionaryEntry{{}, DataValue{true, Bytes(1000, std::byte{7})}}),
                   dict_decoder);
  StoredData unsigned_data = stored(DataValue{true, to_bytes("x")});
  unsigned_data.signature = Signature{};
  check_round_trip(unsigned_data, single_decoder);
}

TEST_CASE("StoredData: truncation, trailing bytes, inconsistent lengths") {
  check_every_prefix_truncated(single_bytes(), single_decoder);
  check_every_prefix_truncated(array_bytes(), array_decoder);
  check_every_prefix_truncated(dictionary_bytes(), dict_decoder);
  check_trailing_byte_rejected(single_bytes(), single_decoder);
  SUBCASE("length one too long, with a spare byte inside: nested lengths must add up") {
    Bytes b = single_bytes();
    b[3] = std::byte{0x26};
    b.push_back(std::byte{0});
    CHECK(failure_of(single_decoder(b)) == DecodeFailure::kTrailingBytes);
  }
  SUBCASE("length one too short: the signature runs past it") {
    Bytes b = single_bytes();
    b[3] = std::byte{0x24};
    CHECK_FALSE(single_decoder(b).has_value());
  }
  SUBCASE("length over the cap") {
    Bytes b = hex("00100001");  // 1 MiB + 1
    CHECK(failure_of(single_decoder(b)) == DecodeFailure::kTooLarge);
  }
  SUBCASE("value length running past StoredData.length") {
    Bytes b = single_bytes();
    b[4 + 12 + 1 + 3] = std::byte{0x04};  // DataValue.value length 3 -> 4
    CHECK(failure_of(single_decoder(b)) == DecodeFailure::kTruncated);
  }
  SUBCASE("the wrong data model does not add up") {
    CHECK_FALSE(array_decoder(single_bytes()).has_value());
    CHECK_FALSE(single_decoder(dictionary_bytes()).has_value());
  }
}

TEST_CASE("StoredData: bad values") {
  Bytes b = single_bytes();
  b[4 + 12] = std::byte{2};  // DataValue.exists is a Boolean
  CHECK(failure_of(single_decoder(b)) == DecodeFailure::kBadValue);
  b = single_bytes();
  b[4 + 12 + 8 + 2] = std::byte{9};  // SignerIdentityType 9
  CHECK(failure_of(single_decoder(b)) == DecodeFailure::kBadValue);
  StoredData big = stored(DataValue{true, Bytes(kMaxDataValueLength, std::byte{1})});
  CHECK(encode_fails(big));  // the whole StoredData is then over kMaxStoredDataLength
}

TEST_CASE("StoredDataSpecifier for each data model") {
  KindModelLookup models = [](KindId k) -> std::optional<DataModel> {
    if (k == 1) return DataModel::kDictionary;
    if (k == 2) return DataModel::kArray;
    if (k == 3) return DataModel::kSingle;
    return std::nullopt;
  };
  auto decode = [&models](ByteView b) {
    return decode_whole<StoredDataSpecifier>(
        b, [&models](Reader& r) { return decode_stored_data_specifier(r, models); }, "spec");
  };
  SUBCASE("dictionary with keys") {
    Bytes b = hex("00000001 0000000000000009"  // kind 1, generation 9
                  "0009"                       // length of model_specifier
                  "0007 0002 6162 0001 63");   // keys<0..2^16-1>: "ab", "c"
    StoredDataSpecifier want{1, 9, DictionarySpecifier{{to_bytes("ab"), to_bytes("c")}}};
    auto got = decode(b);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == b);
    check_every_prefix_truncated(b, decode);
    check_trailing_byte_rejected(b, decode);
  }
  SUBCASE("array ranges") {
    Bytes b = hex("00000002 0000000000000000 000a"
                  "0008 00000000 ffffffff");  // indices: [0, 0xffffffff]
    StoredDataSpecifier want{2, 0, ArraySpecifier{{ArrayRange{0, 0xffffffff}}}};
    auto got = decode(b);
    REQUIRE(got.has_value());
    CHECK(*got == want);
    CHECK(encoded(want) == b);
    Bytes half = hex("00000002 0000000000000000 0009 0007 00000000 ffffff");
    CHECK(failure_of(decode(half)) == DecodeFailure::kTruncated);
  }
  SUBCASE("single: empty model_specifier, anything inside is trailing") {
    Bytes b = hex("00000003 0000000000000001 0000");
    check_round_trip(StoredDataSpecifier{3, 1, SingleSpecifier{}}, decode);
    REQUIRE(decode(b).has_value());
    CHECK(failure_of(decode(hex("00000003 0000000000000001 0001 00"))) ==
          DecodeFailure::kTrailingBytes);
  }
  SUBCASE("unknown kind keeps its specifier bytes") {
    Bytes b = hex("00000077 0000000000000001 0003 aabbcc");
    auto got = decode(b);
    REQUIRE(got.has_value());
    CHECK(std::holds_alternative<UnknownSpecifier>(got->model));
    CHECK(encoded(*got) == b);
  }
  SUBCASE("key and range count caps") {
    StoredDataSpecifier keys{1, 0, DictionarySpecifier{std::vector<Bytes>(kMaxDictionaryKeys + 1)}};
    CHECK(encode_fails(keys));
    Writer w;  // the same over-cap list, written by hand
    w.u32(1);
    w.u64(0);
    Writer::Mark outer = w.begin(2, 0xffff);
    Writer::Mark list = w.begin(2, 0xffff);
    for (std::size_t i = 0; i <= kMaxDictionaryKeys; ++i) w.u16(0);
    w.end(list);
    w.end(outer);
    REQUIRE(w.ok());
    CHECK(failure_of(decode(w.bytes())) == DecodeFailure::kTooLarge);
  }
}

TEST_CASE("StoredMetaData round trips and rejects bad Booleans") {
  auto decode_single = [](ByteView b) {
    return decode_whole<StoredMetaData>(
        b, [](Reader& r) { return decode_stored_meta_data(r, DataModel::kSingle); }, "meta");
  };
  StoredMetaData m{23, 5, 60, MetaData{true, 3, kHashSha256, hex("deadbeef")}};
  check_round_trip(m, decode_single);
  Bytes b = cat({hex("00000017 0000000000000005 0000003c"),  // value_length, storage_time, lifetime
                 hex("01 00000003 04 04deadbeef")});         // MetaData
  CHECK(encoded(m) == b);
  check_every_prefix_truncated(b, decode_single);
  b[16] = std::byte{3};
  CHECK(failure_of(decode_single(b)) == DecodeFailure::kBadValue);
}

// Wireshark's RELOAD dissector showed our Stat answers as truncated (value_length was the
// value's length): §7.4.3.2 makes StoredMetaData's fields "the same as the corresponding
// fields in StoredData", whose first one is the length of the rest of the structure.
TEST_CASE("StoredMetaData.value_length is the length of the rest of the structure") {
  auto decode_dict = [](ByteView b) {
    return decode_whole<StoredMetaData>(
        b, [](Reader& r) { return decode_stored_meta_data(r, DataModel::kDictionary); }, "meta");
  };
  MetaData meta{true, 5, kHashSha256, Bytes(32, std::byte{0x12})};
  StoredMetaData m{999, 5, 60, DictionaryEntryMeta{hex("5a5a"), meta}};  // 999: not written
  Bytes b = encoded(m);
  Bytes length(b.begin(), b.begin() + 4);
  CHECK(length == hex("00000037"));  // 55 = storage_time 8 + lifetime 4 + key 2+2 + MetaData 39
  CHECK(b.size() == 4 + 0x37);
  auto back = decode_dict(b);
  REQUIRE(back);
  CHECK(back->value_length == b.size() - 4);
  CHECK(back->metadata == m.metadata);
  // A sender that wrote the value's length (5) instead still decodes.
  b[3] = std::byte{5};
  auto other = decode_dict(b);
  REQUIRE(other);
  CHECK(other->value_length == 5);
  CHECK(other->metadata == m.metadata);
}

TEST_CASE("stored-data signature input is resource || kind || storage_time || value || signer") {
  StoredData d = stored(DataValue{true, to_bytes("abc")});
  Bytes in = stored_data_signature_input(ResourceId{hex("abcd")}, 1, d);
  CHECK(in == cat({hex("abcd 00000001 0000018c0a0b0c0d"), hex("01 00000003 616263"),
                   hex("01 0006 04 04 aabbccdd")}));
}

