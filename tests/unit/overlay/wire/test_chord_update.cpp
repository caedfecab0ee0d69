#include "overlay/wire/chord_update.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {
auto dec_update = [](ByteView b) { return decode_chord_update(b); };
auto dec_route = [](ByteView b) { return decode_chord_route_query_ans(b); };

Bytes neighbors_bytes() {
  return cat({hex("00000e10"),                              // uptime: 3600 s
              hex("02"),                                    // type: neighbors
              hex("0010 01010101010101010101010101010101"), // predecessors: 1 Node-ID
              hex("0020"),                                  // successors: 2 Node-IDs
              hex("03030303030303030303030303030303"),
              hex("04040404040404040404040404040404")});
}
}  // namespace

TEST_CASE("ChordUpdate: hand-written bytes for each type") {
  SUBCASE("peer_ready carries nothing") {
    ChordUpdate u{60, ChordUpdateType::kPeerReady, {}, {}, {}};
    Bytes b = hex("0000003c 01");  // uptime 60, type peer_ready
    CHECK(encoded(u) == b);
    auto got = decode_chord_update(b);
    REQUIRE(got.has_value());
    CHECK(*got == u);
    check_every_prefix_truncated(b, dec_update);
    check_trailing_byte_rejected(b, dec_update);
  }
  SUBCASE("neighbors") {
    ChordUpdate u{3600, ChordUpdateType::kNeighbors, {node(1)}, {node(3), node(4)}, {}};
    CHECK(encoded(u) == neighbors_bytes());
    auto got = decode_chord_update(neighbors_bytes());
    REQUIRE(got.has_value());
    CHECK(*got == u);
    check_every_prefix_truncated(neighbors_bytes(), dec_update);
    check_trailing_byte_rejected(neighbors_bytes(), dec_update);
  }
  SUBCASE("full adds fingers") {
    ChordUpdate u{1, ChordUpdateType::kFull, {node(1)}, {node(3)}, {node(7), node(8)}};
    Bytes b = cat({hex("00000001 03"), hex("0010"), encoded(node(1)), hex("0010"),
                   encoded(node(3)), hex("0020"), encoded(node(7)), encoded(node(8))});
    CHECK(encoded(u) == b);
    check_round_trip(u, dec_update);
    check_every_prefix_truncated(b, dec_update);
  }
}

TEST_CASE("ChordUpdate: negatives") {
  CHECK(failure_of(dec_update(hex("00000001 00"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_update(hex("00000001 04"))) == DecodeFailure::kBadValue);
  Bytes ragged = neighbors_bytes();
  ragged[5 + 1] = std::byte{0x11};  // predecessors 17 bytes: not whole Node-IDs
  CHECK_FALSE(dec_update(ragged).has_value());
  ChordUpdate wrong{0, ChordUpdateType::kNeighbors, {}, {}, {node(1)}};
  CHECK(encode_fails(wrong));  // fingers on a neighbors update
  ChordUpdate ready{0, ChordUpdateType::kPeerReady, {node(1)}, {}, {}};
  CHECK(encode_fails(ready));
  ChordUpdate fingers{0, ChordUpdateType::kFull, {}, {}, std::vector<NodeId>(kMaxChordFingers)};
  check_round_trip(fingers, dec_update);
  fingers.fingers.push_back(node(1));
  CHECK(encode_fails(fingers));
}

TEST_CASE("UpdateAns is empty; ChordRouteQueryAns is one Node-ID") {
  CHECK(encoded(UpdateAns{}).empty());
  CHECK(decode_update_ans(ByteView{}).has_value());
  CHECK(failure_of(decode_update_ans(hex("00"))) == DecodeFailure::kTrailingBytes);
  ChordRouteQueryAns a{node(0x77)};
  CHECK(encoded(a) == hex("77777777777777777777777777777777"));
  check_round_trip(a, dec_route);
  check_every_prefix_truncated(encoded(a), dec_route);
  check_trailing_byte_rejected(encoded(a), dec_route);
}
