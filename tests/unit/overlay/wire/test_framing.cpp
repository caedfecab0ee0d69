#include <doctest/doctest.h>

#include <algorithm>

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

TEST_CASE("deframer: an oversized frame yields its head, the tail is discarded, the stream goes on") {
  // RFC 6940 §6.3.3.1/§6.6: answered with Error_Message_Too_Large, the link survives.
  Deframer d(5000);
  Bytes big(5700);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i % 251);
  Bytes stream = *encode_data_frame(7, big);
  Bytes next = *encode_data_frame(8, B({1, 2, 3}));
  stream.insert(stream.end(), next.begin(), next.end());
  std::vector<Frame> frames;
  std::size_t most_buffered = 0;
  for (std::size_t at = 0; at < stream.size(); at += 97) {  // arbitrary chunking
    REQUIRE(d.feed(ByteView(stream).subspan(at, std::min<std::size_t>(97, stream.size() - at)))
                .has_value());
    most_buffered = std::max(most_buffered, d.buffered_bytes());
    for (Frame& f : d.take_frames()) frames.push_back(std::move(f));
  }
  REQUIRE(frames.size() == 2);
  const auto& head = std::get<DataFrame>(frames[0]);
  CHECK(head.sequence == 7);
  CHECK(head.truncated);
  CHECK(head.message == Bytes(big.begin(), big.begin() + 5000));
  CHECK(std::get<DataFrame>(frames[1]) == DataFrame{8, B({1, 2, 3}), false});
  CHECK(d.skipped_bytes() == 700);
  CHECK(most_buffered <= kDataFrameHeaderLength + 5000);
  CHECK_FALSE(d.failed());
  CHECK_FALSE(d.mid_frame());
}

TEST_CASE("deframer: the tail of a huge frame is skipped without being buffered") {
  Deframer d(5000);
  // type, sequence, length 2^24-1: the head is kept, 16 MB are only counted
  REQUIRE(d.feed(B({0x80, 0, 0, 0, 1, 0xff, 0xff, 0xff})).has_value());
  CHECK(d.mid_frame());
  Bytes chunk(64 * 1024, std::byte{0x42});
  std::size_t fed = 0;
  while (fed < kMaxFramedMessageLength) {
    std::size_t n = std::min(chunk.size(), kMaxFramedMessageLength - fed);
    REQUIRE(d.feed(ByteView(chunk).first(n)).has_value());
    fed += n;
    CHECK(d.buffered_bytes() <= kDataFrameHeaderLength + 5000);
  }
  auto frames = d.take_frames();
  REQUIRE(frames.size() == 1);
  CHECK(std::get<DataFrame>(frames[0]).message.size() == 5000);
  CHECK_FALSE(d.mid_frame());
  CHECK(d.skipped_bytes() == kMaxFramedMessageLength - 5000);
  Deframer ok(5000);
  Bytes exact = *encode_data_frame(1, Bytes(5000, std::byte{0}));
  REQUIRE(ok.feed(exact).has_value());
  auto f = ok.take_frames();
  REQUIRE(f.size() == 1);
  CHECK_FALSE(std::get<DataFrame>(f[0]).truncated);
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
