#pragma once
// Overlay lookups in flight, one per AoR (issue 18): callers asking for an AoR whose lookup is
// already under way wait for its answer instead of sending another RELOAD Fetch. PURE: no
// overlay, no clock; the adapter (gateway/runtime/usage_lookup.cpp) starts the lookup when
// join() says so and hands the answer to what land() returns.
//
// Why: when a hot AoR's cached answer expires, every INVITE that arrives before the new answer
// would otherwise send its own Fetch, each signed and its answer verified on the loop thread,
// which delays every other call behind them. Keyed by the lookup cache's generation too
// (lookup_cache.h): a caller that comes after this gateway stored or removed the AoR (or after
// a reload) never waits for a lookup started before that change; it starts a new one.
//
// Bounded by the lookups in flight, which the overload gate already bounds (max_lookups).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gateway/router/overlay_lookup.h"

namespace p2psip::router {

class LookupFlights {
 public:
  using Callback = OverlayLookup::Callback;
  // Adds `cb` (empty: nobody waits, e.g. a refresh ahead of expiry) to the lookup of `key`
  // under `generation`. True: no such lookup was in flight, the caller starts it now.
  bool join(const std::string& key, std::uint64_t generation, Callback cb);
  // The lookup of `key` under `generation` has its answer: its waiters, in arrival order
  // (empty callbacks left out). The flight is over.
  std::vector<Callback> land(const std::string& key, std::uint64_t generation);
  std::size_t in_flight() const { return flights_.size(); }

 private:
  std::map<std::pair<std::string, std::uint64_t>, std::vector<Callback>> flights_;
};

}  // namespace p2psip::router
