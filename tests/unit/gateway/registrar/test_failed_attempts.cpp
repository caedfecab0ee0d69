#include <doctest/doctest.h>

#include "gateway/registrar/failed_attempts.h"

#include <string>

using p2psip::Millis;
using p2psip::registrar::FailedAttempts;

TEST_CASE("the third failure for a key reaches the limit; other keys are apart") {
  FailedAttempts f(3, Millis{60'000});
  CHECK_FALSE(f.fail("alice@d|10.0.0.1", Millis{0}));
  CHECK_FALSE(f.fail("alice@d|10.0.0.1", Millis{10}));
  CHECK_FALSE(f.blocked("alice@d|10.0.0.1", Millis{10}));
  CHECK_FALSE(f.fail("alice@d|10.0.0.2", Millis{20}));
  CHECK(f.fail("alice@d|10.0.0.1", Millis{30}));
  CHECK(f.blocked("alice@d|10.0.0.1", Millis{30}));
  CHECK_FALSE(f.blocked("alice@d|10.0.0.2", Millis{30}));
  // Blocked until the window has passed since the last failure.
  CHECK(f.blocked("alice@d|10.0.0.1", Millis{60'029}));
  CHECK_FALSE(f.blocked("alice@d|10.0.0.1", Millis{60'030}));
}

TEST_CASE("a streak older than the window starts again; success forgets") {
  FailedAttempts f(3, Millis{1'000});
  f.fail("k", Millis{0});
  f.fail("k", Millis{1});
  CHECK_FALSE(f.fail("k", Millis{5'000}));  // the old two no longer count
  f.succeeded("k");
  CHECK(f.size() == 0);
  CHECK_FALSE(f.fail("k", Millis{5'001}));
}

TEST_CASE("the table is bounded: the entry failed longest ago makes room") {
  FailedAttempts f(2, Millis{1'000'000}, 2);
  f.fail("a", Millis{0});
  f.fail("b", Millis{1});
  f.fail("c", Millis{2});
  CHECK(f.size() == 2);
  CHECK_FALSE(f.fail("a", Millis{3}));  // "a" was dropped: this is its first failure again
  CHECK(f.fail("c", Millis{4}));
}

TEST_CASE("a full table drops unblocked entries before a lock, so fresh keys cannot wash it out") {
  FailedAttempts f(2, Millis{1'000'000}, 3);
  f.fail("10.0.0.1|alice", Millis{0});
  CHECK(f.fail("10.0.0.1|alice", Millis{1}));  // locked
  for (int i = 0; i < 100; ++i) f.fail("10.0.0.1|user" + std::to_string(i), Millis{10 + i});
  CHECK(f.size() == 3);
  CHECK(f.blocked("10.0.0.1|alice", Millis{200}));
  // Only when every entry is blocked does the oldest lock go.
  f.fail("10.0.0.1|user99", Millis{300});  // user99's second failure: blocked
  f.fail("10.0.0.1|user98", Millis{301});  // user98's second failure: blocked
  f.fail("10.0.0.1|x", Millis{302});
  CHECK_FALSE(f.blocked("10.0.0.1|alice", Millis{303}));
  CHECK(f.blocked("10.0.0.1|user98", Millis{303}));
}
