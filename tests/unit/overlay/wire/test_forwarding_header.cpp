#include <doctest/doctest.h>

#include "overlay/wire/forwarding_header.h"
#include "overlay/wire/overlay_hash.h"
#include "tests/unit/overlay/wire/envelope_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

// The fixed 38 bytes, written by hand from §6.3.2.
Bytes fixed_part(std::uint32_t length, int via_len, int dest_len, int opt_len) {
  return cat({B({0xd2, 0x45, 0x4c, 0x4f}),  // relo_token "RELO" | 0x80
              B({0x01, 0x02, 0x03, 0x04}),  // overlay
              B({0x00, 0x05}),              // configuration_sequence = 5
              B({0x0a}),                    // version 1.0
              B({0x64}),                    // ttl = 100
              B({0xc0, 0x00, 0x00, 0x00}),  // fragment: high bit + last fragment, offset 0
              B({int(length >> 24), int((length >> 16) & 0xff), int((length >> 8) & 0xff),
                 int(length & 0xff)}),      // length
              B({1, 2, 3, 4, 5, 6, 7, 8}),  // transaction_id
              B({0, 0, 0x10, 0}),           // max_response_length = 4096
              B({0, via_len}),              // via_list_length (bytes)
              B({0, dest_len}),             // destination_list_length (bytes)
              B({0, opt_len})});            // options_length (bytes)
}

ForwardingHeader sample_header() {
  ForwardingHeader h;
  h.overlay = kTestOverlay;
  h.configuration_sequence = 5;
  h.transaction_id = 0x0102030405060708ull;
  h.max_response_length = 4096;
  return h;
}

Bytes encode_header(const ForwardingHeader& h) {
  Writer w;
  encode(w, h);
  REQUIRE(w.ok());
  return std::move(w).take();
}

}  // namespace

TEST_CASE("overlay_hash is the low 32 bits of SHA-1(name)") {
  // sha1("p2p.example.com") = 6aa5bb3ad0eaca9266d8bf32e6c6cda0be52d975
  CHECK(overlay_hash("p2p.example.com") == 0xbe52d975u);
}

TEST_CASE("empty-list header is the 38 fixed bytes, field by field") {
  ForwardingHeader h = sample_header();
  h.length = 38;
  Bytes expected = fixed_part(38, 0, 0, 0);
  REQUIRE(expected.size() == kForwardingHeaderFixedLength);
  CHECK(encode_header(h) == expected);
  auto parsed = parse_forwarding_header(expected, test_params());
  REQUIRE(parsed.has_value());
  CHECK(parsed->header == h);
  CHECK(parsed->payload.empty());
  CHECK_FALSE(h.is_fragment());
}

TEST_CASE("via list, destination list and options, with lengths in bytes") {
  ForwardingHeader h = sample_header();
  h.via_list = {Destination::compressed(0x8001)};
  h.destination_list = {Destination::node(node_of(0)),
                        Destination::resource(ResourceId{B({0xab, 0xcd})})};
  h.options = {ForwardingOption{0x01, kResponseCopy, B({0x99})}};
  Bytes lists = cat({B({0x80, 0x01}),                           // via: compressed id
                     B({0x01, 0x10}),                           // dest: node, 16 bytes
                     B({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}),
                     B({0x02, 0x03, 0x02, 0xab, 0xcd}),         // dest: resource
                     B({0x01, 0x04, 0x00, 0x01, 0x99})});       // option type 1, RESPONSE_COPY
  std::uint32_t total = 38 + 2 + 23 + 5;
  h.length = total;
  Bytes expected = cat({fixed_part(total, 2, 23, 5), lists});
  CHECK(encode_header(h) == expected);
  auto parsed = parse_forwarding_header(expected, test_params());
  REQUIRE(parsed.has_value());
  CHECK(parsed->header == h);
}

TEST_CASE("truncated at every byte fails as truncated") {
  ForwardingHeader h = sample_header();
  h.destination_list = {Destination::node(node_of(3))};
  Bytes full = encode_header(h);
  for (std::size_t n = 0; n < full.size(); ++n) {
    Reader r(ByteView(full).first(n));
    (void)decode_forwarding_header(r);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error()->failure == DecodeFailure::kTruncated);
  }
}

TEST_CASE("length field must equal the bytes present") {
  ForwardingHeader h = sample_header();
  h.length = 39;  // one more than present
  auto longer = parse_forwarding_header(encode_header(h), test_params());
  REQUIRE_FALSE(longer.has_value());
  CHECK(longer.error().failure == DecodeFailure::kTruncated);
  h.length = 37;  // fewer than present
  auto shorter = parse_forwarding_header(encode_header(h), test_params());
  REQUIRE_FALSE(shorter.has_value());
  CHECK(shorter.error().failure == DecodeFailure::kTrailingBytes);
}

TEST_CASE("over max message size is Error_Message_Too_Large") {
  ForwardingHeader h = sample_header();
  h.length = 38;
  DecodeParams p = test_params();
  p.max_message_size = 37;
  auto r = parse_forwarding_header(encode_header(h), p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kTooLarge);
  CHECK(r.error().reload_code == errc::kMessageTooLarge);
}

TEST_CASE("wrong token, version, overlay, fragment bit and TTL") {
  ForwardingHeader h = sample_header();
  h.length = 38;
  Bytes good = encode_header(h);
  SUBCASE("token") {
    Bytes b = good;
    b[0] = std::byte{0x52};
    auto r = parse_forwarding_header(b, test_params());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kWrongOverlay);
  }
  SUBCASE("version 0.1") {
    Bytes b = good;
    b[10] = std::byte{0x01};
    auto r = parse_forwarding_header(b, test_params());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kWrongOverlay);
    CHECK(r.error().reload_code == errc::kIncompatibleWithOverlay);
  }
  SUBCASE("overlay") {
    DecodeParams p = test_params();
    p.overlay = overlay_hash("other.example.com");
    auto r = parse_forwarding_header(good, p);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kWrongOverlay);
    CHECK(r.error().reload_code == errc::kIncompatibleWithOverlay);
  }
  SUBCASE("fragment high bit clear") {
    Bytes b = good;
    b[12] = std::byte{0x40};
    CHECK_FALSE(parse_forwarding_header(b, test_params()).has_value());
  }
  SUBCASE("ttl above initial-ttl") {
    Bytes b = good;
    b[11] = std::byte{101};
    auto r = parse_forwarding_header(b, test_params());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reload_code == errc::kTtlExceeded);
  }
}

TEST_CASE("a list length that cuts a Destination in half fails") {
  ForwardingHeader h = sample_header();
  h.destination_list = {Destination::node(node_of(3))};
  Bytes b = encode_header(h);
  b[34] = std::byte{0};  // destination_list_length 18 -> 17
  b[35] = std::byte{17};
  Reader r(b);
  (void)decode_forwarding_header(r);
  CHECK_FALSE(r.ok());
}

TEST_CASE("unknown critical forwarding options by role") {
  ForwardingHeader h = sample_header();
  h.options = {ForwardingOption{0x07, kDestinationCritical, {}}};
  CHECK(check_forwarding_options(h, ProcessingRole::kForwarding, {}).has_value());
  auto at_dest = check_forwarding_options(h, ProcessingRole::kResponding, {});
  REQUIRE_FALSE(at_dest.has_value());
  CHECK(at_dest.error().failure == DecodeFailure::kUnknownCritical);
  CHECK(at_dest.error().reload_code == errc::kUnsupportedForwardingOption);
  const std::uint8_t known[] = {0x07};
  CHECK(check_forwarding_options(h, ProcessingRole::kResponding, known).has_value());

  h.options = {ForwardingOption{0x07, kForwardCritical, {}}};
  h.length = static_cast<std::uint32_t>(encode_header(h).size());
  DecodeParams p = test_params();
  p.option_role = ProcessingRole::kForwarding;
  auto parsed = parse_forwarding_header(encode_header(h), p);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().reload_code == errc::kUnsupportedForwardingOption);
  h.options = {ForwardingOption{0x07, kResponseCopy, {}}};  // not critical: fine
  CHECK(check_forwarding_options(h, ProcessingRole::kForwarding, {}).has_value());
}

TEST_CASE("too many options is refused") {
  ForwardingHeader h = sample_header();
  h.options.resize(kMaxForwardingOptions + 1);
  Writer w;
  encode(w, h);
  CHECK_FALSE(w.ok());
}

TEST_CASE("encode_forwarded patches the length after a TTL change") {
  Message m = sample_message();
  auto bytes = encode_message(m);
  REQUIRE(bytes.has_value());
  auto parsed = parse_forwarding_header(*bytes, test_params());
  REQUIRE(parsed.has_value());
  ForwardingHeader h = parsed->header;
  h.ttl = 99;
  h.via_list.push_back(Destination::node(node_of(0x40)));
  auto again = encode_forwarded(h, parsed->payload);
  REQUIRE(again.has_value());
  CHECK(again->size() == bytes->size() + 18);
  auto decoded = decode_message(*again, test_params());
  REQUIRE(decoded.has_value());
  CHECK(decoded->header.ttl == 99);
  CHECK(decoded->header.via_list.size() == 1);
  CHECK(decoded->contents == m.contents);
}

TEST_CASE("a resource destination only last in the destination list, never in the via list") {
  ForwardingHeader h = sample_header();
  Destination res = Destination::resource(ResourceId{B({1, 2})});
  h.destination_list = {Destination::node(node_of(1)), res};
  Bytes last = encode_header(h);
  Reader ok_reader(last);
  (void)decode_forwarding_header(ok_reader);
  CHECK(ok_reader.ok());

  h.destination_list = {res, Destination::node(node_of(1))};
  Bytes first = encode_header(h);
  Reader not_last(first);
  (void)decode_forwarding_header(not_last);
  REQUIRE_FALSE(not_last.ok());
  CHECK(not_last.error()->failure == DecodeFailure::kBadValue);

  h.destination_list = {};
  h.via_list = {res};
  Bytes via = encode_header(h);
  Reader in_via(via);
  (void)decode_forwarding_header(in_via);
  CHECK_FALSE(in_via.ok());
}

TEST_CASE("a head whose length field is over max message size is Error_Message_Too_Large") {
  // The link layer hands on only the head of an oversized frame (framing.h): the length
  // field, not the bytes present, tells it is too large (RFC 6940 §6.3.3.1).
  ForwardingHeader h = sample_header();
  h.length = 5001;
  DecodeParams p = test_params();
  p.max_message_size = 5000;
  auto r = parse_forwarding_header(encode_header(h), p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().reload_code == errc::kMessageTooLarge);
  h.length = 39;  // within the maximum: merely truncated
  auto t = parse_forwarding_header(encode_header(h), p);
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().reload_code == errc::kInvalidMessage);
}
