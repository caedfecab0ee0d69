// One overlay lookup in flight per AoR and cache generation: later callers wait for it; a
// caller after an invalidation starts its own.
#include <doctest/doctest.h>

#include "gateway/router/lookup_flights.h"

using namespace p2psip::router;

namespace {

LookupFlights::Callback record(std::vector<int>& log, int who) {
  return [&log, who](LookupResult) { log.push_back(who); };
}

}  // namespace

TEST_CASE("callers of an AoR in flight wait for its one lookup, in arrival order") {
  LookupFlights f;
  std::vector<int> answered;
  CHECK(f.join("alice@p2p.example.com", 0, record(answered, 1)));
  CHECK_FALSE(f.join("alice@p2p.example.com", 0, record(answered, 2)));
  CHECK_FALSE(f.join("alice@p2p.example.com", 0, record(answered, 3)));
  CHECK(f.join("bob@p2p.example.com", 0, record(answered, 4)));  // another AoR: its own
  CHECK(f.in_flight() == 2);
  for (auto& cb : f.land("alice@p2p.example.com", 0)) cb({LookupStatus::found, {}});
  CHECK(answered == std::vector<int>{1, 2, 3});
  CHECK(f.in_flight() == 1);
  CHECK(f.join("alice@p2p.example.com", 0, record(answered, 5)));  // landed: a new one starts
}

TEST_CASE("a caller after an invalidation does not wait for a lookup started before it") {
  LookupFlights f;
  std::vector<int> answered;
  CHECK(f.join("alice@p2p.example.com", 7, record(answered, 1)));
  CHECK(f.join("alice@p2p.example.com", 8, record(answered, 2)));  // generation moved on
  for (auto& cb : f.land("alice@p2p.example.com", 7)) cb({LookupStatus::found, {}});
  CHECK(answered == std::vector<int>{1});
  CHECK(f.land("alice@p2p.example.com", 7).empty());  // over
  CHECK(f.land("alice@p2p.example.com", 8).size() == 1);
}

TEST_CASE("a refresh nobody waits for still holds the flight; later callers join it") {
  LookupFlights f;
  std::vector<int> answered;
  CHECK(f.join("alice@p2p.example.com", 0, {}));
  CHECK_FALSE(f.join("alice@p2p.example.com", 0, record(answered, 1)));
  auto waiters = f.land("alice@p2p.example.com", 0);
  CHECK(waiters.size() == 1);  // the empty refresh callback is not handed back
  CHECK(f.in_flight() == 0);
}
