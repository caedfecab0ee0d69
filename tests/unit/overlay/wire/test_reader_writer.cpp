#include <doctest/doctest.h>

#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"
#include "tests/unit/overlay/wire/envelope_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

TEST_CASE("Writer: big-endian integers") {
  Writer w;
  w.u8(0x01);
  w.u16(0x0203);
  w.u24(0x040506);
  w.u32(0x0708090a);
  w.u64(0x0b0c0d0e0f101112ull);
  REQUIRE(w.ok());
  CHECK(to_hex(w.bytes()) == "0102030405060708090a0b0c0d0e0f101112");
}

TEST_CASE("Reader: big-endian integers and offsets") {
  Bytes b = B({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
               0x0e, 0x0f, 0x10, 0x11, 0x12});
  Reader r(b, 100);
  CHECK(r.u8("a") == 0x01);
  CHECK(r.u16("b") == 0x0203);
  CHECK(r.u24("c") == 0x040506u);
  CHECK(r.u32("d") == 0x0708090au);
  CHECK(r.offset() == 110);
  CHECK(r.u64("e") == 0x0b0c0d0e0f101112ull);
  CHECK(r.ok());
  CHECK(r.empty());
}

TEST_CASE("Reader: errors are sticky and record the first failure") {
  Bytes b = B({0x01, 0x02, 0x03});
  Reader r(b);
  CHECK(r.u16("first") == 0x0102);
  CHECK(r.u16("second") == 0);  // only one byte left
  REQUIRE_FALSE(r.ok());
  CHECK(r.error()->failure == DecodeFailure::kTruncated);
  CHECK(r.error()->what == "second");
  CHECK(r.error()->offset == 2);
  CHECK(r.error()->reload_code == errc::kInvalidMessage);
  CHECK(r.u8("third") == 0);  // the remaining byte is not read after a failure
  CHECK(r.remaining() == 0);
  CHECK(r.error()->what == "second");
  r.fail(DecodeFailure::kBadValue, "later");
  CHECK(r.error()->what == "second");
}

TEST_CASE("Reader: view and bytes of exact sizes") {
  Bytes b = B({1, 2, 3, 4});
  Reader r(b);
  CHECK(r.view(2, "v").size() == 2);
  CHECK(r.bytes(2, "b") == B({3, 4}));
  CHECK(r.view(1, "past").empty());
  CHECK_FALSE(r.ok());
}

TEST_CASE("Reader: sub, opaque and opaque_string honour the length and the cap") {
  Bytes b = B({0x00, 0x03, 'a', 'b', 'c', 0x02, 0xaa, 0xbb});
  Reader r(b);
  CHECK(r.opaque_string(2, 10, "s") == "abc");
  Reader body = r.sub(1, 10, "sub");
  CHECK(body.offset() == 6);
  CHECK(body.u16("x") == 0xaabb);
  CHECK(body.empty());
  CHECK(r.ok());
  CHECK(r.empty());

  Reader capped(b);
  CHECK(capped.opaque(2, 2, "capped").empty());
  REQUIRE_FALSE(capped.ok());
  CHECK(capped.error()->failure == DecodeFailure::kTooLarge);

  Bytes longer = B({0x05, 1, 2});
  Reader t(longer);
  Reader sub = t.sub(1, 255, "too long");
  CHECK_FALSE(t.ok());
  CHECK_FALSE(sub.ok());  // the nested reader inherits the failure
  CHECK(t.error()->failure == DecodeFailure::kTruncated);
}

TEST_CASE("Reader: four-byte lengths and the empty opaque") {
  Bytes b = B({0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  Reader r(b);
  CHECK(r.opaque(4, 0xffffffff, "empty").empty());
  CHECK(r.ok());
  CHECK(r.opaque(4, 0xffffffff, "huge").empty());  // 4 GB claimed, 0 present: no allocation
  CHECK(r.error()->failure == DecodeFailure::kTruncated);
}

TEST_CASE("Reader: expect_end and absorb") {
  Bytes b = B({1, 2});
  Reader r(b);
  (void)r.u8("one");
  r.expect_end("end");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error()->failure == DecodeFailure::kTrailingBytes);

  Reader outer(b);
  Reader inner(ByteView(b).first(1));
  (void)inner.u16("inner");
  outer.absorb(inner);
  REQUIRE_FALSE(outer.ok());
  CHECK(outer.error()->what == "inner");
}

TEST_CASE("Writer: begin/end back-patch lengths of every width") {
  Writer w;
  auto m1 = w.begin(1, 255);
  w.u16(0xaaaa);
  w.end(m1);
  auto m3 = w.begin(3, 0xffffff);
  w.u8(0xbb);
  w.end(m3);
  auto m4 = w.begin(4, 0xffffffff);
  w.end(m4);
  w.opaque(2, 100, std::string_view("hi"));
  REQUIRE(w.ok());
  CHECK(to_hex(w.bytes()) == "02aaaa000001bb0000000000026869");
}

TEST_CASE("Writer: overflows make it fail") {
  Writer over_field;
  over_field.opaque(1, 1000, Bytes(256));  // 256 does not fit a 1-byte length
  CHECK_FALSE(over_field.ok());
  Writer over_cap;
  over_cap.opaque(2, 3, Bytes(4));
  CHECK_FALSE(over_cap.ok());
  Writer u24;
  u24.u24(0x1000000);
  CHECK_FALSE(u24.ok());
  Writer patch;
  patch.u16(0);
  patch.patch_u32(0, 1);
  CHECK_FALSE(patch.ok());
  Writer good;
  good.u32(0);
  good.patch_u32(0, 0x01020304);
  CHECK(to_hex(good.bytes()) == "01020304");
  Writer failed;
  failed.fail();
  CHECK_FALSE(failed.ok());
}

TEST_CASE("to_string(DecodeFailure) names every value") {
  CHECK(std::string(to_string(DecodeFailure::kTruncated)) == "truncated");
  CHECK(std::string(to_string(DecodeFailure::kWrongOverlay)) == "wrong overlay");
  CHECK(std::string(to_string(DecodeFailure::kUnknownCritical)) == "unknown critical option");
}
