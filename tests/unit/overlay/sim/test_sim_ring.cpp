#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>

#include "sim_helpers.h"

using namespace p2psip;
using namespace p2psip::sim;
using namespace p2psip::sim::testing;

TEST_CASE("two and three peers form a ring") {
  SimNetwork net(fast_config(1));
  REQUIRE(build_ring(net, 3, 11));
  net.run_for(Millis{5000});
  CHECK(net.ring().size() == 3);
  CHECK(net.ring_errors() == 0);
}

TEST_CASE("30 peers join one by one and the ring is correct") {
  SimNetwork net(fast_config(2));
  REQUIRE(build_ring(net, 30, 22));
  net.run_for(Millis{10000});
  CHECK(net.ring().size() == 30);
  CHECK(net.ring_errors() == 0);
}
