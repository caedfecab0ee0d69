// A peer that restarts with the same Node-ID (an upgrade: clean Leave or crash, then a new
// process with the same certificate) is back in every neighbour's table within seconds, with
// the protocol timers at their real defaults (chord-update-interval 400 s, failed-peer
// hold-down 60 s): the neighbours that remember its Leave must still take it back when it
// reaches them over a new link and sends its own Update (RFC 6940 §10.7.1, §10.7.3).
#include <doctest/doctest.h>

#include "sim_helpers.h"

using namespace p2psip;
using namespace p2psip::sim;
using namespace p2psip::sim::testing;

namespace {

SimConfig real_timers(std::uint64_t seed) {
  SimConfig c = fast_config(seed);
  c.peer_defaults.update_interval = peer::PeerConfig{}.update_interval;
  c.peer_defaults.chord_ping_interval = peer::PeerConfig{}.chord_ping_interval;
  c.peer_defaults.failed_peer_holddown = peer::PeerConfig{}.failed_peer_holddown;
  return c;
}

// Restarts peer `i` through `via` once it is gone and runs until the ring is exact again or
// `limit` of virtual time passed; true when it was exact in time.
bool restart_and_settle(SimNetwork& net, PeerIndex i, PeerIndex via, Millis limit) {
  REQUIRE(net.run_until([&] { return !net.alive(i); }, net.now() + Millis{20000}));
  net.run_for(Millis{2000});  // the far ends have noticed (failure_detection 500 ms)
  REQUIRE(net.ring().size() == 4);
  net.restart(i, {via});
  Millis end = net.now() + limit;
  return net.run_until([&] { return net.joined(i) && net.ring_errors() == 0; }, end);
}

}  // namespace

TEST_CASE("restart after a clean Leave: the ring of 5 is exact again within 20 s") {
  SimNetwork net(real_timers(31));
  REQUIRE(build_ring(net, 5, 310));
  REQUIRE(net.run_until([&] { return net.ring_errors() == 0; }, net.now() + Millis{30000}));
  for (PeerIndex i : {PeerIndex{2}, PeerIndex{3}}) {
    net.leave(i);
    CHECK(restart_and_settle(net, i, i == 2 ? 4 : 0, Millis{20000}));
    CHECK(net.ring().size() == 5);
  }
}

TEST_CASE("restart after a crash: the ring of 5 is exact again within 20 s") {
  SimNetwork net(real_timers(32));
  REQUIRE(build_ring(net, 5, 320));
  REQUIRE(net.run_until([&] { return net.ring_errors() == 0; }, net.now() + Millis{30000}));
  for (PeerIndex i : {PeerIndex{1}, PeerIndex{4}}) {
    net.kill(i);
    CHECK(restart_and_settle(net, i, 0, Millis{20000}));
    CHECK(net.ring().size() == 5);
  }
}
