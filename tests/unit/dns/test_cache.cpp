#include <doctest/doctest.h>

#include "dns/cache.h"

using namespace p2psip::dns;
using p2psip::Millis;
using namespace std::chrono_literals;

namespace {
DnsAnswer answer(QueryResult r, std::uint32_t ttl, std::string ip = "192.0.2.1") {
  DnsAnswer a{r, ttl, {}, {}, {}};
  if (r == QueryResult::ok) a.addresses = {std::move(ip)};
  return a;
}
const Query kA{"a.example", RecordType::a};
}  // namespace

TEST_CASE("cache: positive entry lives exactly its TTL") {
  DnsCache c;
  c.put(kA, answer(QueryResult::ok, 30), Millis{1000});
  REQUIRE(c.get(kA, Millis{1000}));
  CHECK(c.get(kA, Millis{30999})->addresses.front() == "192.0.2.1");
  CHECK_FALSE(c.get(kA, Millis{31000}));
  CHECK(c.size() == 0);  // expired entries are dropped on lookup
}

TEST_CASE("cache: keyed by name and type") {
  DnsCache c;
  c.put(kA, answer(QueryResult::ok, 30), Millis{0});
  CHECK_FALSE(c.get(Query{"a.example", RecordType::aaaa}, Millis{0}));
  CHECK_FALSE(c.get(Query{"b.example", RecordType::a}, Millis{0}));
}

TEST_CASE("cache: TTL 0 and failures are not stored (trap: failure poisons a name)") {
  DnsCache c;
  c.put(kA, answer(QueryResult::ok, 0), Millis{0});
  c.put(Query{"s", RecordType::a}, answer(QueryResult::servfail, 300), Millis{0});
  c.put(Query{"t", RecordType::a}, answer(QueryResult::timeout, 300), Millis{0});
  c.put(Query{"e", RecordType::a}, answer(QueryResult::error, 300), Millis{0});
  CHECK(c.size() == 0);
}

TEST_CASE("cache: negative entries (RFC 2308) are capped by max_negative_ttl") {
  DnsCache c(CacheLimits{100, 86400s, 60s});
  c.put(kA, answer(QueryResult::nxdomain, 3600), Millis{0});
  c.put(Query{"n", RecordType::srv}, answer(QueryResult::nodata, 10), Millis{0});
  CHECK(c.get(kA, Millis{59'999})->result == QueryResult::nxdomain);
  CHECK_FALSE(c.get(kA, Millis{60'000}));
  CHECK(c.get(Query{"n", RecordType::srv}, Millis{9'999}));
  CHECK_FALSE(c.get(Query{"n", RecordType::srv}, Millis{10'000}));
}

TEST_CASE("cache: positive TTL capped by max_ttl") {
  DnsCache c(CacheLimits{100, 60s, 60s});
  c.put(kA, answer(QueryResult::ok, 1'000'000), Millis{0});
  CHECK(c.get(kA, Millis{59'000}));
  CHECK_FALSE(c.get(kA, Millis{60'000}));
}

TEST_CASE("cache: size bound evicts the least recently used") {
  DnsCache c(CacheLimits{2, 3600s, 60s});
  Query q1{"1", RecordType::a}, q2{"2", RecordType::a}, q3{"3", RecordType::a};
  c.put(q1, answer(QueryResult::ok, 60), Millis{0});
  c.put(q2, answer(QueryResult::ok, 60), Millis{0});
  CHECK(c.get(q1, Millis{1}));  // q1 now most recent
  c.put(q3, answer(QueryResult::ok, 60), Millis{2});
  CHECK(c.size() == 2);
  CHECK(c.get(q1, Millis{3}));
  CHECK_FALSE(c.get(q2, Millis{3}));
  CHECK(c.get(q3, Millis{3}));
}

TEST_CASE("cache: replacing an entry refreshes it") {
  DnsCache c;
  c.put(kA, answer(QueryResult::ok, 10, "192.0.2.1"), Millis{0});
  c.put(kA, answer(QueryResult::ok, 10, "192.0.2.2"), Millis{5000});
  CHECK(c.size() == 1);
  CHECK(c.get(kA, Millis{14'000})->addresses.front() == "192.0.2.2");
  c.clear();
  CHECK(c.size() == 0);
}
