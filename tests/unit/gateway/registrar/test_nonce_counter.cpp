#include <doctest/doctest.h>

#include "gateway/registrar/nonce_counter.h"

using namespace p2psip::registrar;
using p2psip::Millis;

TEST_CASE("nonce-counts must grow per nonce") {
  NonceCounter c(Millis{1000});
  CHECK(c.accept("n1", "00000001", Millis{0}, Millis{0}));
  CHECK_FALSE(c.accept("n1", "00000001", Millis{0}, Millis{0}));  // replay
  CHECK(c.accept("n1", "0000000A", Millis{0}, Millis{1}));
  CHECK_FALSE(c.accept("n1", "00000009", Millis{0}, Millis{1}));
  CHECK(c.accept("n2", "00000001", Millis{0}, Millis{1}));  // another nonce
  CHECK(c.size() == 2);
}

TEST_CASE("bad counts are refused; old nonces and overflow are forgotten") {
  NonceCounter c(Millis{1000}, 2);
  for (const char* bad : {"", "1", "0000001", "000000001", "0000000g", "00000000"}) {
    CAPTURE(bad);
    CHECK_FALSE(c.accept("n", bad, Millis{0}, Millis{0}));
  }
  CHECK(parse_nonce_count("ffffffff") == 0xffffffffu);
  CHECK(c.accept("a", "00000001", Millis{0}, Millis{0}));
  CHECK(c.accept("b", "00000001", Millis{10}, Millis{10}));
  CHECK(c.accept("c", "00000001", Millis{20}, Millis{20}));  // full: "a" (oldest) goes
  CHECK(c.size() == 2);
  CHECK(c.accept("a", "00000001", Millis{0}, Millis{20}));  // forgotten, so accepted again
  CHECK(c.accept("d", "00000001", Millis{2000}, Millis{2000}));  // the rest are past lifetime
  CHECK(c.size() == 1);
}
