#include <doctest/doctest.h>

#include "overlay/wire/framing.h"
#include "tests/unit/overlay/wire/envelope_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

std::vector<Frame> drain(Deframer& d) { return d.take_frames(); }

}  // namespace

TEST_CASE("data frame bytes by hand") {
  DataFrame d{0x01020304, B({0xaa, 0xbb, 0xcc})};
  Bytes expected = B({0x80,                    // type data(128)
                      0x01, 0x02, 0x03, 0x04,  // sequence
                      0x00, 0x00, 0x03,        // message length (24 bits)
                      0xaa, 0xbb, 0xcc});
  CHECK(*encode_to_bytes(Frame{d}) == expected);
  CHECK(*encode_data_frame(0x01020304, d.message) == expected);
  auto back = decode_whole<Frame>(expected, decode_frame, "frame");
  REQUIRE(back.has_value());
  CHECK(std::get<DataFrame>(*back) == d);
}

TEST_CASE("ack frame bytes by hand") {
  AckFrame a{7, 0x80000001};
  Bytes expected = B({0x81,                    // type ack(129)
                      0x00, 0x00, 0x00, 0x07,  // ack_sequence
                      0x80, 0x00, 0x00, 0x01});  // received bitmask
  CHECK(*encode_to_bytes(Frame{a}) == expected);
  CHECK(std::get<AckFrame>(*decode_whole<Frame>(expected, decode_frame, "f")) == a);
}

TEST_CASE("decode_frame negatives") {
  Bytes data = *encode_data_frame(1, B({1, 2, 3}));
  for (std::size_t n = 0; n < data.size(); ++n) {
    CHECK_FALSE(decode_whole<Frame>(ByteView(data).first(n), decode_frame, "f").has_value());
  }
  data.push_back(std::byte{0});
  CHECK_FALSE(decode_whole<Frame>(data, decode_frame, "f").has_value());  // trailing
  CHECK_FALSE(decode_whole<Frame>(B({0x82, 0, 0, 0, 0, 0, 0, 0, 0}), decode_frame, "f"));
  CHECK_FALSE(decode_whole<Frame>(B({0x00}), decode_frame, "f"));
}

TEST_CASE("deframer: any chunking gives the same frames") {
  Bytes stream;
  std::vector<Frame> sent;
  for (std::uint32_t i = 0; i < 6; ++i) {
    Frame f = (i % 3 == 2) ? Frame{AckFrame{i, i * 3}}
                           : Frame{DataFrame{i, Bytes(i * 50, std::byte(i))}};
    Bytes b = *encode_to_bytes(f);
    stream.insert(stream.end(), b.begin(), b.end());
    sent.push_back(f);
  }
  for (std::size_t chunk = 1; chunk <= stream.size(); chunk += (chunk < 20 ? 1 : 37)) {
    Deframer d;
    std::vector<Frame> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      std::size_t n = std::min(chunk, stream.size() - at);
      REQUIRE(d.feed(ByteView(stream).subspan(at, n)).has_value());
      for (Frame& f : drain(d)) got.push_back(std::move(f));
    }
    CHECK(got == sent);
    CHECK(d.buffered_bytes() == 0);
  }
}

TEST_CASE("deframer holds an incomplete frame until the rest arrives") {
  Bytes b = *encode_data_frame(9, B({1, 2, 3, 4}));
  Deframer d;
  REQUIRE(d.feed(ByteView(b).first(10)).has_value());
  CHECK(d.take_frames().empty());
  CHECK(d.buffered_bytes() == 10);
  REQUIRE(d.feed(ByteView(b).subspan(10)).has_value());
  auto f = d.take_frames();
  REQUIRE(f.size() == 1);
  CHECK(std::get<DataFrame>(f[0]).message == B({1, 2, 3, 4}));
}

TEST_CASE("deframer refuses a frame over the max message size from its header alone") {
  Deframer d(5000);
  // type, sequence, length 5001: refused before any body byte arrives
  auto r = d.feed(B({0x80, 0, 0, 0, 1, 0x00, 0x13, 0x89}));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kTooLarge);
  CHECK(r.error().reload_code == errc::kMessageTooLarge);
  CHECK(d.failed());
  CHECK_FALSE(d.feed(B({0x81})).has_value());  // stays failed
  Deframer ok(5000);
  Bytes exact = *encode_data_frame(1, Bytes(5000, std::byte{0}));
  REQUIRE(ok.feed(exact).has_value());
  CHECK(ok.pending_frames() == 1);
}

TEST_CASE("deframer: garbage type fails with the offset of the bad frame") {
  Deframer d;
  Bytes ack = *encode_to_bytes(Frame{AckFrame{1, 0}});
  Bytes stream = cat({ack, B({0x17, 0x03, 0x03})});  // a TLS record header, not a frame
  auto r = d.feed(stream);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kBadValue);
  CHECK(r.error().offset == 9);
  CHECK(d.pending_frames() == 1);  // the good ack before it is still delivered
}
