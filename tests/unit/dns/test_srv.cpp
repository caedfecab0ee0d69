#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>

#include "dns/srv.h"

using namespace p2psip::dns;

namespace {
SrvRecord srv(std::uint16_t prio, std::uint16_t weight, std::string target, std::uint16_t port = 5060) {
  return SrvRecord{prio, weight, port, std::move(target)};
}
Rng fixed(std::uint32_t v) {
  return [v](std::uint32_t bound) { return std::min(v, bound); };
}
Rng seeded(std::uint32_t seed) {
  auto eng = std::make_shared<std::mt19937>(seed);
  return [eng](std::uint32_t bound) {
    return std::uniform_int_distribution<std::uint32_t>(0, bound)(*eng);
  };
}
std::vector<std::string> names(const std::vector<SrvRecord>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.target);
  return out;
}
}  // namespace

TEST_CASE("srv: priority ascending, every record kept (trap: one per priority)") {
  std::vector<SrvRecord> rs = {srv(20, 0, "c"), srv(10, 5, "a"), srv(10, 5, "b"), srv(30, 1, "d")};
  auto out = order_srv(rs, seeded(1));
  REQUIRE(out.size() == 4);
  CHECK(out[0].priority == 10);
  CHECK(out[1].priority == 10);
  CHECK(out[2].target == "c");
  CHECK(out[3].target == "d");
}

TEST_CASE("srv: RFC 2782 running-sum selection with a fixed draw") {
  std::vector<SrvRecord> rs = {srv(0, 1, "server1"), srv(0, 2, "server2")};
  // sum 3; running sums 1, 3: draw 0 or 1 -> server1, draw 2 or 3 -> server2.
  CHECK(names(order_srv(rs, fixed(0))) == std::vector<std::string>{"server1", "server2"});
  CHECK(names(order_srv(rs, fixed(1))) == std::vector<std::string>{"server1", "server2"});
  CHECK(names(order_srv(rs, fixed(2))) == std::vector<std::string>{"server2", "server1"});
  CHECK(names(order_srv(rs, fixed(3))) == std::vector<std::string>{"server2", "server1"});
}

TEST_CASE("srv: weight 0 goes first and is picked only on a zero draw") {
  std::vector<SrvRecord> rs = {srv(0, 10, "heavy"), srv(0, 0, "zero")};
  CHECK(names(order_srv(rs, fixed(0))) == std::vector<std::string>{"zero", "heavy"});
  CHECK(names(order_srv(rs, fixed(5))) == std::vector<std::string>{"heavy", "zero"});
  std::vector<SrvRecord> zeros = {srv(0, 0, "a"), srv(0, 0, "b"), srv(0, 0, "c")};
  CHECK(order_srv(zeros, seeded(3)).size() == 3);
}

TEST_CASE("srv: weights are honoured over many draws (trap: weights ignored)") {
  std::vector<SrvRecord> rs = {srv(0, 10, "a"), srv(0, 30, "b"), srv(0, 60, "c")};
  Rng rng = seeded(42);
  std::map<std::string, int> first;
  const int n = 20000;
  for (int i = 0; i < n; ++i) first[order_srv(rs, rng).front().target]++;
  CHECK(first["a"] == doctest::Approx(n * 0.10).epsilon(0.1));
  CHECK(first["b"] == doctest::Approx(n * 0.30).epsilon(0.05));
  CHECK(first["c"] == doctest::Approx(n * 0.60).epsilon(0.05));
}

TEST_CASE("srv: '.' target means unavailable and is never a target") {
  CHECK(srv_unavailable({srv(0, 0, ".")}));
  CHECK(srv_unavailable({srv(0, 0, "")}));
  CHECK_FALSE(srv_unavailable({srv(0, 0, "a")}));
  CHECK_FALSE(srv_unavailable({}));
  CHECK(order_srv({srv(0, 0, ".")}, seeded(1)).empty());
  CHECK(names(order_srv({srv(0, 0, "."), srv(1, 0, "b")}, seeded(1))) ==
        std::vector<std::string>{"b"});
}

TEST_CASE("srv: an RNG out of contract cannot drop records") {
  std::vector<SrvRecord> rs = {srv(0, 1, "a"), srv(0, 1, "b")};
  auto out = order_srv(rs, [](std::uint32_t) { return 1'000'000u; });
  CHECK(out.size() == 2);
}
