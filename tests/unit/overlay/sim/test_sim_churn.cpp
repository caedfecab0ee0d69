#include <doctest/doctest.h>

#include <cstdio>

#include "sim_helpers.h"

using namespace p2psip;
using namespace p2psip::sim;
using namespace p2psip::sim::testing;

TEST_CASE("killing 10% of 500 peers at once: the ring heals within bounded virtual time") {
  SimNetwork net(fast_config(5));
  REQUIRE(build_ring(net, 500, 55));
  net.run_for(Millis{30000});
  REQUIRE(net.ring_errors() == 0);
  std::mt19937_64 rng(56);
  std::size_t killed = 0;
  while (killed < 50) {
    auto i = static_cast<PeerIndex>(1 + rng() % (net.size() - 1));
    if (!net.alive(i)) continue;
    net.kill(i);
    ++killed;
  }
  Millis t0 = net.now();
  bool healed = net.run_until([&] { return net.ring_errors() == 0; }, t0 + Millis{120000});
  CHECK(healed);
  CHECK(net.ring().size() == 450);
  std::printf("healed 50/500 killed in %.1f s virtual\n",
              static_cast<double>((net.now() - t0).count()) / 1000.0);
}

TEST_CASE("clean Leave keeps the ring correct") {
  SimNetwork net(fast_config(6));
  REQUIRE(build_ring(net, 100, 66));
  net.run_for(Millis{10000});
  REQUIRE(net.ring_errors() == 0);
  for (PeerIndex i = 10; i < 20; ++i) {
    net.leave(i);
    bool gone = net.run_until([&] { return !net.alive(i); }, net.now() + Millis{20000});
    CHECK(gone);
    // Leave + reactive Updates repair the neighbour tables within a few round trips.
    bool ok = net.run_until([&] { return net.ring_errors() == 0; }, net.now() + Millis{5000});
    CHECK(ok);
  }
  CHECK(net.ring().size() == 90);
  CHECK(net.core(12).state() == peer::PeerState::kLeft);
}

TEST_CASE("lossy links: retransmissions still build a correct ring") {
  SimConfig c = fast_config(7);
  c.loss = 0.02;
  SimNetwork net(c);
  REQUIRE(build_ring(net, 40, 77));
  net.run_until([&] { return net.ring_errors() == 0; }, net.now() + Millis{120000});
  CHECK(net.ring_errors() == 0);
  std::uint64_t retx = 0;
  for (PeerIndex i = 0; i < net.size(); ++i) retx += net.core(i).counters().retransmissions;
  CHECK(retx > 0);
}

TEST_CASE("a short partition: retransmissions carry the ring through it") {
  SimNetwork net(fast_config(8));
  REQUIRE(build_ring(net, 60, 88));
  net.run_for(Millis{10000});
  REQUIRE(net.ring_errors() == 0);
  net.partition([](PeerIndex i) { return i >= 40 ? 1 : 0; });  // messages across are lost
  net.run_for(Millis{5000});
  net.partition(nullptr);
  net.run_for(Millis{60000});
  CHECK(net.ring().size() == 60);
  CHECK(net.ring_errors() == 0);
}
