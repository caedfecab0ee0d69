// The proxy's overlay lookup cache: bounded by count and by a TTL never beyond the answer's
// validity, invalidated explicitly, and deaf to answers of lookups that started before an
// invalidation.
#include <doctest/doctest.h>

#include "gateway/router/lookup_cache.h"

using namespace p2psip::router;

namespace {

const std::vector<std::string> kAlice{"sip:alice@192.0.2.1:5060"};
const std::vector<std::string> kAliceMoved{"sip:alice@192.0.2.9:5060"};

LookupCache cache(std::size_t entries = 10, std::uint64_t ttl_ms = 2000) {
  return LookupCache(LookupCacheLimits{entries, ttl_ms});
}

}  // namespace

TEST_CASE("a found answer is reused until its TTL, then asked again") {
  auto c = cache();
  CHECK_FALSE(c.get("alice@p2p.example.com", 1000));
  c.put("alice@p2p.example.com", kAlice, 3'600'000, 1000, c.generation());
  CHECK(c.get("alice@p2p.example.com", 1000) == kAlice);
  CHECK(c.get("alice@p2p.example.com", 2999) == kAlice);
  CHECK_FALSE(c.get("alice@p2p.example.com", 3000));  // 1000 + ttl 2000
  CHECK(c.size() == 0);
  CHECK(c.stats().hits == 2);
  CHECK(c.stats().misses == 2);
  CHECK(c.stats().expired == 1);
}

TEST_CASE("an entry never outlives the values it came from") {
  auto c = cache(10, 60'000);
  c.put("alice@p2p.example.com", kAlice, 500, 1000, c.generation());  // valid 0.5 s more
  CHECK(c.get("alice@p2p.example.com", 1499) == kAlice);
  CHECK_FALSE(c.get("alice@p2p.example.com", 1500));
  // No validity, no entry; nothing found, no entry.
  c.put("bob@p2p.example.com", kAlice, 0, 1000, c.generation());
  c.put("carol@p2p.example.com", {}, 5000, 1000, c.generation());
  CHECK(c.size() == 0);
}

TEST_CASE("the validity of an answer: the shorter of lifetime from now and storage_time + lifetime") {
  CHECK(answer_validity_ms(0, 0, 1000) == 0);
  CHECK(answer_validity_ms(600, 0, 1000) == 600'000);
  // Stored 590 s ago with a 600 s lifetime: 10 s left, not 600.
  std::uint64_t now = 1'700'000'000'000;
  CHECK(answer_validity_ms(600, now - 590'000 + 600'000, now) == 10'000);
  // A storer's clock ahead of ours: the lifetime from now still bounds it.
  CHECK(answer_validity_ms(600, now + 3'600'000, now) == 600'000);
  CHECK(answer_validity_ms(600, now, now) == 0);  // already expired by the storer's clock
}

TEST_CASE("forget drops the AoR, and an answer of a lookup started before is not kept") {
  auto c = cache();
  c.put("alice@p2p.example.com", kAlice, 60'000, 0, c.generation());
  c.put("bob@p2p.example.com", kAlice, 60'000, 0, c.generation());
  std::uint64_t in_flight = c.generation();  // a lookup of alice starts
  c.forget("alice@p2p.example.com");          // the phone re-registers through this gateway
  CHECK_FALSE(c.get("alice@p2p.example.com", 1));
  CHECK(c.get("bob@p2p.example.com", 1) == kAlice);
  c.put("alice@p2p.example.com", kAlice, 60'000, 2, in_flight);  // the old answer arrives
  CHECK_FALSE(c.get("alice@p2p.example.com", 3));
  c.put("alice@p2p.example.com", kAliceMoved, 60'000, 4, c.generation());  // a fresh lookup
  CHECK(c.get("alice@p2p.example.com", 5) == kAliceMoved);
  c.forget_all();
  CHECK(c.size() == 0);
  CHECK_FALSE(c.get("bob@p2p.example.com", 6));
  CHECK(c.stats().invalidated == 3);  // alice, then alice and bob
}

TEST_CASE("a full cache drops its least recently used entry") {
  auto c = cache(2);
  c.put("a@d", kAlice, 60'000, 0, c.generation());
  c.put("b@d", kAlice, 60'000, 0, c.generation());
  CHECK(c.get("a@d", 1));  // a is now the most recent
  c.put("c@d", kAlice, 60'000, 2, c.generation());
  CHECK(c.size() == 2);
  CHECK(c.stats().evicted == 1);
  CHECK(c.get("a@d", 3));
  CHECK(c.get("c@d", 3));
  CHECK_FALSE(c.get("b@d", 3));
  // Refreshing an existing entry does not evict.
  c.put("a@d", kAliceMoved, 60'000, 4, c.generation());
  CHECK(c.size() == 2);
  CHECK(c.stats().evicted == 1);
  CHECK(c.get("a@d", 5) == kAliceMoved);
}

TEST_CASE("a cache with no TTL or no room is off: nothing kept, nothing counted") {
  for (auto c : {cache(0, 2000), cache(10, 0)}) {
    c.put("alice@p2p.example.com", kAlice, 60'000, 0, c.generation());
    CHECK_FALSE(c.get("alice@p2p.example.com", 1));
    CHECK(c.size() == 0);
    CHECK(c.stats().misses == 0);
  }
}

TEST_CASE("a hit in the last quarter of an entry's time is due for a refresh; an answer restarts it") {
  auto c = cache();  // TTL 2000
  bool due = true;
  CHECK_FALSE(c.get("alice@p2p.example.com", 1000, &due));
  CHECK_FALSE(due);
  c.put("alice@p2p.example.com", kAlice, 3'600'000, 1000, c.generation());
  CHECK(c.get("alice@p2p.example.com", 2499, &due) == kAlice);
  CHECK_FALSE(due);
  CHECK(c.get("alice@p2p.example.com", 2500, &due) == kAlice);  // 1000 + 0.75 * 2000
  CHECK(due);
  CHECK(c.get("alice@p2p.example.com", 2501, &due) == kAlice);  // once per answer
  CHECK_FALSE(due);
  c.put("alice@p2p.example.com", kAliceMoved, 3'600'000, 2600, c.generation());  // the refresh
  CHECK(c.get("alice@p2p.example.com", 3000, &due) == kAliceMoved);  // past the old expiry
  CHECK_FALSE(due);
  CHECK(c.get("alice@p2p.example.com", 4100, &due) == kAliceMoved);  // 2600 + 1500
  CHECK(due);
  CHECK_FALSE(c.get("alice@p2p.example.com", 4600, &due));           // 2600 + 2000: expired
  CHECK_FALSE(due);
}

TEST_CASE("the refresh point follows a validity shorter than the TTL") {
  auto c = cache();
  bool due = false;
  c.put("alice@p2p.example.com", kAlice, 400, 1000, c.generation());  // valid 400 ms only
  CHECK(c.get("alice@p2p.example.com", 1299, &due) == kAlice);
  CHECK_FALSE(due);
  CHECK(c.get("alice@p2p.example.com", 1300, &due) == kAlice);
  CHECK(due);
}
