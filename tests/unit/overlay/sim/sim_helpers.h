#pragma once
// Shared set-up for the simulator tests: seeded Node-IDs and a ring built one join at a time.
#include <random>
#include <vector>

#include "overlay/chord/ring.h"
#include "overlay/sim/sim_network.h"

namespace p2psip::sim::testing {

inline SimConfig fast_config(std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.peer_defaults.overlay = 0x12345678;
  c.peer_defaults.update_interval = Millis{20000};
  c.peer_defaults.chord_ping_interval = Millis{30000};
  return c;
}

inline NodeId random_id(std::mt19937_64& rng) {
  return chord::from_u128((static_cast<chord::U128>(rng()) << 64) | rng());
}

// Adds `n` peers, each joining through peer 0 after the previous one has joined.
inline bool build_ring(SimNetwork& net, std::size_t n, std::uint64_t seed,
                       Millis per_join = Millis{60000}) {
  std::mt19937_64 rng(seed);
  PeerIndex first = net.add_peer(random_id(rng));
  net.start(first);
  for (std::size_t k = 1; k < n; ++k) {
    PeerIndex p = net.add_peer(random_id(rng), {first});
    net.start(p);
    if (!net.run_until([&] { return net.joined(p); }, net.now() + per_join)) return false;
  }
  return true;
}

}  // namespace p2psip::sim::testing
