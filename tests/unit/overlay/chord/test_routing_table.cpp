#include <doctest/doctest.h>

#include <algorithm>

#include "overlay/chord/routing_table.h"

using namespace p2psip::chord;

namespace {
NodeId id(std::uint64_t hi) { return from_u128(static_cast<U128>(hi) << 64); }
}  // namespace

TEST_CASE("alone: responsible for everything, no next hop") {
  RoutingTable t(id(100));
  CHECK(t.is_responsible(id(5)));
  CHECK(t.is_responsible(id(100)));
  CHECK(t.next_hop(id(7)).local);
  CHECK(t.replica_set() == std::vector<NodeId>{id(100)});
  CHECK(t.finger_table_size() == 0);
}

TEST_CASE("neighbour table is the closest peers each way, closest first") {
  RoutingTable t(id(100), 3);
  for (std::uint64_t x : {10, 50, 90, 110, 150, 200, 250}) t.add_peer(id(x));
  CHECK(t.successors() == std::vector<NodeId>{id(110), id(150), id(200)});
  CHECK(t.predecessors() == std::vector<NodeId>{id(90), id(50), id(10)});
  CHECK(t.is_neighbor(id(110)));
  CHECK_FALSE(t.is_neighbor(id(250)));
  CHECK(t.would_be_neighbor(id(120)));
  CHECK(t.would_be_neighbor(id(60)));
  CHECK_FALSE(t.would_be_neighbor(id(220)));
  CHECK_FALSE(t.would_be_neighbor(id(100)));  // never itself
  CHECK_FALSE(t.add_peer(id(100)));
  CHECK(t.replica_set() == std::vector<NodeId>{id(100), id(110), id(150)});
}

TEST_CASE("neighbour table wraps around zero") {
  RoutingTable t(id(0xfffffffffffffff0ull), 3);
  for (std::uint64_t x : {1ull, 2ull, 0xffffffffffffff00ull, 0xffffffffffffff80ull, 3ull, 4ull})
    t.add_peer(id(x));
  CHECK(t.successors() == std::vector<NodeId>{id(1), id(2), id(3)});
  CHECK(t.predecessors().front() == id(0xffffffffffffff80ull));
  CHECK(t.is_responsible(id(0xffffffffffffffa0ull)));
  CHECK_FALSE(t.is_responsible(id(1)));
  CHECK(t.next_hop(id(1)).node == id(1));
}

TEST_CASE("add/remove report neighbour changes; removal refills from other peers") {
  RoutingTable t(id(100), 2);
  CHECK(t.add_peer(id(110)));
  CHECK(t.add_peer(id(120)));
  t.add_peer(id(130));  // a predecessor only (wraps round the ring)
  CHECK(t.predecessors() == std::vector<NodeId>{id(130), id(120)});
  CHECK_FALSE(t.add_peer(id(110)));
  CHECK(t.remove_peer(id(110)));
  CHECK(t.successors() == std::vector<NodeId>{id(120), id(130)});
  CHECK_FALSE(t.remove_peer(id(999)));
}

TEST_CASE("responsibility edge cases: (pred, self]") {
  RoutingTable t(id(100));
  t.add_peer(id(50));
  t.add_peer(id(150));
  CHECK(t.is_responsible(id(100)));
  CHECK(t.is_responsible(from_u128((static_cast<U128>(50) << 64) + 1)));
  CHECK_FALSE(t.is_responsible(id(50)));
  CHECK_FALSE(t.is_responsible(from_u128((static_cast<U128>(100) << 64) + 1)));
}

TEST_CASE("next_hop: largest id in (self, k), else smallest after k") {
  RoutingTable t(id(100));
  for (std::uint64_t x : {50, 120, 140, 200, 300}) t.add_peer(id(x));
  CHECK(t.next_hop(id(250)).node == id(200));
  CHECK(t.next_hop(id(200)).node == id(200));  // directly connected
  CHECK(t.next_hop(id(130)).node == id(120));
  CHECK(t.next_hop(id(110)).node == id(120));  // none in (100,110): smallest following k
  CHECK(t.next_hop(id(10)).node == id(300));   // wraps: largest in (100, 10) going round
  CHECK(t.next_hop(id(60)).local);
  CHECK(t.next_hop(id(100)).local);
}

TEST_CASE("fingers: only peers in their entry's range (§10.7.4.2), removed with the peer") {
  RoutingTable t(id(0), 1);
  t.add_peer(id(1));                       // 2^64 away: the only successor
  t.add_peer(id(0x8000000000000000ull));   // 2^127 away: entry 1's range
  t.set_finger(1, id(0x8000000000000000ull));
  t.set_finger(2, id(0x1234));                 // not a peer: ignored
  t.set_finger(3, id(0x8000000000000000ull));  // a peer outside entry 3's range: ignored
  CHECK(t.finger(1) == id(0x8000000000000000ull));
  CHECK_FALSE(t.finger(2).has_value());
  CHECK_FALSE(t.finger(3).has_value());
  // §10.7.4.3: large enough to contain the last successor (entry 64: [2^64, 2^65 - 1]).
  CHECK(t.finger_table_size() == 64);
  // Ranges starting within the successor span are decided by the Neighbor Table.
  CHECK(t.finger_near(64));
  CHECK_FALSE(t.finger_near(63));
  CHECK(t.finger(64) == id(1));
  CHECK(t.finger_count() == 2);
  t.remove_peer(id(0x8000000000000000ull));
  CHECK_FALSE(t.finger(1).has_value());
  CHECK(t.finger_count() == 1);
}

TEST_CASE("finger table size: at least 16 entries (§10.7.4.3)") {
  RoutingTable t(id(0), 1);
  t.add_peer(id(0x8000000000000000ull));  // the last successor is in entry 1's range
  CHECK(t.finger_table_size() == kFingerTableSize);
  CHECK(t.finger(1) == id(0x8000000000000000ull));
  for (unsigned i = 2; i <= kFingerTableSize; ++i) {
    CHECK(t.finger_near(i));  // decided: empty ranges
    CHECK_FALSE(t.finger(i).has_value());
  }
  CHECK(t.pick_invalid_finger([] { return true; }) == 0);  // nothing to search
}

TEST_CASE("pick_invalid_finger: lower entries first, each with probability 1/2") {
  RoutingTable t(id(0), 1);
  t.add_peer(id(1));  // successor 2^64 away: entries 1..63 are far and invalid
  CHECK(t.pick_invalid_finger([] { return true; }) == 1);
  CHECK(t.pick_invalid_finger([] { return false; }) == 63);  // the last takes the rest
  int flips = 0;
  CHECK(t.pick_invalid_finger([&] { return ++flips == 2; }) == 2);
  t.add_peer(id(0x8000000000000000ull));
  t.set_finger(1, id(0x8000000000000000ull));  // valid: no longer searched
  CHECK(t.pick_invalid_finger([] { return true; }) == 2);
}
