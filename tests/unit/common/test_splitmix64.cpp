// The deterministic random source: the reference SplitMix64 sequence, so that a seed replays
// the same simulation everywhere.
#include <doctest/doctest.h>

#include "common/splitmix64.h"

using p2psip::SplitMix64;

TEST_CASE("SplitMix64 gives the reference sequence") {
  // Vigna's splitmix64.c seeded with 1234567 (the commonly published test vector).
  SplitMix64 a(1234567);
  CHECK(a.next() == 6457827717110365317ull);
  CHECK(a.next() == 3203168211198807973ull);
  CHECK(a.next() == 9817491932198370423ull);
  CHECK(a.next() == 4593380528125082431ull);
  CHECK(a.next() == 16408922859458223821ull);
  SplitMix64 zero(0);
  CHECK(zero.next() == 0xe220a8397b1dcdafull);
  CHECK(zero.next() == 0x6e789e6aa1b965f4ull);
}

TEST_CASE("SplitMix64: one seed, one sequence; another seed, another") {
  SplitMix64 a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    std::uint64_t x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
  }
}
