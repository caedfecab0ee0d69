// Stabilization in the simulator (RFC 6940 §10.7.4): the Finger Table's search and schedule
// (§10.7.4.2-3) and partition healing (§10.7.4.4).
#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "sim_helpers.h"

using namespace p2psip;
using namespace p2psip::sim;
using namespace p2psip::sim::testing;

namespace {

constexpr Millis kNever{1000000000};

std::uint64_t pings_sent(SimNetwork& net, PeerIndex i) {
  return net.core(i).counters().sent[peer::PeerCounters::slot(
      wire::to_u16(wire::MessageCode::kPingReq))];
}

// Every entry holds a peer of its own range (§10.7.4.2) and the table has >= 16 entries.
bool fingers_valid(SimNetwork& net, PeerIndex i) {
  const auto& t = net.core(i).routing_table();
  if (t.finger_table_size() < chord::kFingerTableSize) return false;
  for (unsigned k = 1; k <= chord::kMaxFingers; ++k) {
    auto f = t.finger(k);
    if (f && (k > t.finger_table_size() || !chord::in_finger_range(t.self(), k, *f))) return false;
  }
  return true;
}

// A far entry of peer `i` (not decided by its Neighbor Table) with a finger whose range holds
// at least one other live peer; 0 if none.
unsigned replaceable_finger(SimNetwork& net, PeerIndex i) {
  const auto& t = net.core(i).routing_table();
  for (unsigned k = 1; k <= t.finger_table_size(); ++k) {
    if (!t.finger(k) || t.finger_near(k)) continue;
    int in_range = 0;
    for (const NodeId& id : net.ring()) in_range += chord::in_finger_range(t.self(), k, id);
    if (in_range >= 2) return k;
  }
  return 0;
}

}  // namespace

TEST_CASE("fingers: valid entries, one search Ping per chord-ping-interval, a failed one replaced") {
  SimConfig c = fast_config(12);
  c.peer_defaults.partition_check_interval = kNever;  // only finger Pings in this run
  SimNetwork net(c);
  REQUIRE(build_ring(net, 100, 121));
  net.run_for(Millis{10000});
  REQUIRE(net.ring_errors() == 0);
  for (PeerIndex i = 0; i < net.size(); ++i) CHECK(fingers_valid(net, i));

  // §10.7.4.2: "SHOULD NOT send Ping requests looking for new finger table entries more often
  // than ... chord-ping-interval"; peers with invalid entries do search.
  std::vector<std::uint64_t> before;
  for (PeerIndex i = 0; i < net.size(); ++i) before.push_back(pings_sent(net, i));
  const int intervals = 10;
  net.run_for(c.peer_defaults.chord_ping_interval * intervals);
  std::uint64_t searched = 0;
  for (PeerIndex i = 0; i < net.size(); ++i) {
    std::uint64_t sent = pings_sent(net, i) - before[i];
    CHECK(sent <= intervals + 1);
    searched += sent;
  }
  CHECK(searched > 0);

  // §10.7.2: a failed finger is searched again (by a Ping into its range) and replaced by a
  // peer of that range.
  PeerIndex x = 0;
  unsigned k = 0;
  for (PeerIndex i = 1; i < net.size() && k == 0; ++i) {
    k = replaceable_finger(net, i);
    x = i;
  }
  REQUIRE(k != 0);
  NodeId gone = *net.core(x).routing_table().finger(k);
  for (PeerIndex i = 0; i < net.size(); ++i) {
    if (net.core(i).node_id() == gone) net.kill(i);
  }
  std::uint64_t pings = pings_sent(net, x);
  bool replaced = net.run_until(
      [&] {
        auto f = net.core(x).routing_table().finger(k);
        return f && *f != gone;
      },
      net.now() + c.peer_defaults.chord_ping_interval * 20);
  CHECK(replaced);
  CHECK(pings_sent(net, x) > pings);
  CHECK(fingers_valid(net, x));
}

TEST_CASE("a long partition splits the ring in two; the partition check heals it (§10.7.4.4)") {
  SimConfig c = fast_config(13);
  c.peer_defaults.partition_check_interval = Millis{30000};
  SimNetwork net(c);
  REQUIRE(build_ring(net, 40, 131));  // every peer but 0 bootstraps through peer 0
  net.run_for(Millis{10000});
  REQUIRE(net.ring_errors() == 0);
  auto group = [](PeerIndex i) { return static_cast<int>(i % 2); };  // interleaved on the ring
  std::map<NodeId, PeerIndex> index;
  for (PeerIndex i = 0; i < net.size(); ++i) index[net.core(i).node_id()] = i;
  auto split = [&] {  // no peer routes through the other side any more
    for (PeerIndex i = 0; i < net.size(); ++i) {
      for (const NodeId& p : net.core(i).routing_table().peers()) {
        if (group(index.at(p)) != group(i)) return false;
      }
    }
    return true;
  };
  net.partition(group);
  // Longer than the links' life: the Updates across time out and each side drops the other.
  REQUIRE(net.run_until(split, net.now() + Millis{600000}));
  net.run_for(Millis{60000});
  CHECK(split());
  CHECK(net.ring().size() == 40);
  CHECK(net.ring_errors() > 0);  // two rings, not one

  net.partition(nullptr);
  Millis t0 = net.now();
  bool healed = net.run_until([&] { return net.ring_errors() == 0; },
                              t0 + c.peer_defaults.partition_check_interval * 10);
  CHECK(healed);
  CHECK(net.ring().size() == 40);
  std::printf("partition of 40 peers healed in %.1f s virtual\n",
              static_cast<double>((net.now() - t0).count()) / 1000.0);
}
