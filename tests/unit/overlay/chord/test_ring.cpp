#include <doctest/doctest.h>

#include "overlay/chord/ring.h"

using namespace p2psip::chord;

namespace {
NodeId id(std::uint64_t hi, std::uint64_t lo = 0) {
  return from_u128((static_cast<U128>(hi) << 64) | lo);
}
const U128 kMax = ~static_cast<U128>(0);
}  // namespace

TEST_CASE("u128 round trip and byte order") {
  NodeId n = *NodeId::from_hex("0102030405060708090a0b0c0d0e0f10");
  CHECK(from_u128(to_u128(n)) == n);
  CHECK(high64(n) == 0x0102030405060708ull);
  CHECK(from_u128(kMax).hex() == std::string(32, 'f'));
}

TEST_CASE("between_open without wraparound") {
  CHECK(between_open(id(10), id(11), id(20)));
  CHECK_FALSE(between_open(id(10), id(10), id(20)));
  CHECK_FALSE(between_open(id(10), id(20), id(20)));
  CHECK_FALSE(between_open(id(10), id(21), id(20)));
  CHECK_FALSE(between_open(id(10), id(5), id(20)));
}

TEST_CASE("between_open with wraparound across zero") {
  NodeId a = from_u128(kMax - 5);
  NodeId b = id(0, 5);
  CHECK(between_open(a, from_u128(kMax), b));
  CHECK(between_open(a, id(0, 0), b));
  CHECK(between_open(a, id(0, 4), b));
  CHECK_FALSE(between_open(a, id(0, 5), b));
  CHECK_FALSE(between_open(a, a, b));
  CHECK_FALSE(between_open(a, id(1), b));
}

TEST_CASE("degenerate intervals: a == b") {
  CHECK(between_open(id(7), id(8), id(7)));       // whole ring except a
  CHECK_FALSE(between_open(id(7), id(7), id(7)));
  CHECK(between_left_open(id(7), id(7), id(7)));  // whole ring
  CHECK(between_left_open(id(7), id(1), id(7)));
}

TEST_CASE("between_left_open includes the right end only") {
  CHECK(between_left_open(id(10), id(20), id(20)));
  CHECK_FALSE(between_left_open(id(10), id(10), id(20)));
  NodeId a = from_u128(kMax);
  CHECK(between_left_open(a, id(0, 0), id(0, 0)));  // (max, 0] is just {0}
  CHECK_FALSE(between_left_open(a, a, id(0, 0)));
}

TEST_CASE("distance is clockwise and wraps") {
  CHECK(distance(id(0, 1), id(0, 3)) == 2);
  CHECK(distance(id(0, 3), id(0, 1)) == kMax - 1);
  CHECK(distance(from_u128(kMax), id(0, 0)) == 1);
  CHECK(distance(id(5), id(5)) == 0);
}

TEST_CASE("add_pow2 and finger targets wrap modulo 2^128") {
  CHECK(add_pow2(id(0, 0), 0) == id(0, 1));
  CHECK(add_pow2(id(0, 0), 64) == id(1, 0));
  CHECK(add_pow2(from_u128(kMax), 0) == id(0, 0));
  NodeId n = id(0x8000000000000000ull, 0);
  CHECK(finger_target(n, 1) == id(0, 0));  // half the ring from the middle is zero
  CHECK(finger_target(id(0, 0), 128) == id(0, 1));
  CHECK(finger_target(id(0, 0), 2) == id(0x4000000000000000ull, 0));
}

TEST_CASE("ring_point of resource ids") {
  p2psip::wire::ResourceId r{p2psip::Bytes(16, std::byte{0xab})};
  CHECK(ring_point(r).hex() == "abababababababababababababababab");
  p2psip::wire::ResourceId shorter{p2psip::Bytes(2, std::byte{0x01})};
  CHECK(high64(ring_point(shorter)) == 0x0101000000000000ull);
  p2psip::wire::ResourceId empty{};
  CHECK(ring_point(empty) == NodeId{});
  CHECK(*ring_point(p2psip::wire::Destination::node(id(3))) == id(3));
  CHECK_FALSE(ring_point(p2psip::wire::Destination::opaque({std::byte{1}})).has_value());
}

TEST_CASE("finger ranges: entry i holds [n + 2^(128-i), n + 2^(129-i) - 1] (§10.7.4.2)") {
  NodeId n = from_u128(5);
  U128 one = 1;
  CHECK(finger_index(n, n) == 0);
  CHECK(finger_index(n, add(n, 1)) == 128);
  CHECK(finger_index(n, add(n, one << 127)) == 1);
  CHECK(finger_index(n, add(n, ~static_cast<U128>(0))) == 1);  // n - 1
  CHECK(finger_index(n, add(n, (one << 127) - 1)) == 2);
  CHECK(finger_index(n, add(n, one << 64)) == 64);
  CHECK(finger_index(n, add(n, (one << 64) - 1)) == 65);
  for (unsigned i : {1u, 2u, 64u, 127u, 128u}) {
    for (U128 r : {static_cast<U128>(0), one, ~static_cast<U128>(0), (one << 100) + 12345}) {
      CHECK(in_finger_range(n, i, finger_range_point(n, i, r)));
    }
  }
  CHECK(finger_range_point(n, 1, 0) == finger_target(n, 1));
  CHECK(finger_range_point(n, 128, ~static_cast<U128>(0)) == add(n, 1));
  CHECK_FALSE(in_finger_range(n, 0, n));
}
