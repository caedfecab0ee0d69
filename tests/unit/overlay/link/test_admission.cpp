#include "overlay/link/admission.h"

#include <doctest/doctest.h>

using namespace p2psip;
using namespace p2psip::link;

namespace {

wire::IpAddressPort v4(int a, int b, int c, int d, std::uint16_t port = 40000) {
  wire::IpAddressPort out;
  out.type = wire::AddressType::kIpv4;
  out.addr[0] = std::byte(a), out.addr[1] = std::byte(b), out.addr[2] = std::byte(c);
  out.addr[3] = std::byte(d);
  out.port = port;
  return out;
}

wire::IpAddressPort v6(std::initializer_list<int> bytes) {
  wire::IpAddressPort out;
  out.type = wire::AddressType::kIpv6;
  std::size_t i = 0;
  for (int b : bytes) out.addr[i++] = std::byte(b);
  return out;
}

SourceKey src(int last) { return source_key(v4(192, 0, 2, last)); }
LinkId id(std::uint64_t v) { return LinkId{v}; }
Micros at(int ms) { return Micros{ms * 1000}; }

AdmissionLimits limits(std::size_t links, std::size_t handshakes, std::size_t per_source) {
  return AdmissionLimits{links, handshakes, per_source};
}

}  // namespace

TEST_CASE("admission: source keys are IPv4 addresses and IPv6 /64 prefixes") {
  CHECK(source_key(v4(192, 0, 2, 1, 1)) == source_key(v4(192, 0, 2, 1, 2)));  // port ignored
  CHECK_FALSE(source_key(v4(192, 0, 2, 1)) == source_key(v4(192, 0, 2, 2)));
  auto mapped = v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1});
  CHECK(source_key(mapped) == source_key(v4(192, 0, 2, 1)));
  auto a = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
  auto b = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0xaa, 0xbb, 0, 0, 0, 0, 0, 2});
  auto c = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(source_key(a) == source_key(b));  // one host may use its whole /64
  CHECK_FALSE(source_key(a) == source_key(c));
  auto v6_like_v4 = v6({192, 0, 2, 1});
  CHECK_FALSE(source_key(v6_like_v4) == source_key(v4(192, 0, 2, 1)));
}

TEST_CASE("admission: a source gets its share of handshakes, others still get in") {
  HandshakeBudget budget(limits(100, 10, 3));
  for (std::uint64_t i = 1; i <= 3; ++i) {
    auto a = budget.decide(src(1), 0);
    REQUIRE(a.verdict == AdmissionVerdict::kAdmit);
    budget.add(id(i), src(1), at(static_cast<int>(i)));
  }
  CHECK(budget.decide(src(1), 0).verdict == AdmissionVerdict::kRefusePerSource);
  CHECK_FALSE(budget.decide(src(1), 0).admitted());
  CHECK(budget.decide(src(2), 0).verdict == AdmissionVerdict::kAdmit);
  budget.remove(id(2));  // failed or timed out: its slot is free again
  CHECK(budget.from(src(1)) == 2);
  CHECK(budget.decide(src(1), 0).verdict == AdmissionVerdict::kAdmit);
  budget.remove(id(99));  // unknown: ignored
  CHECK(budget.size() == 2);
}

TEST_CASE("admission: a full budget evicts from the source holding most handshakes") {
  HandshakeBudget budget(limits(100, 4, 3));
  budget.add(id(1), src(1), at(1));  // oldest overall, but its source holds only one
  budget.add(id(2), src(2), at(2));
  budget.add(id(3), src(2), at(3));
  budget.add(id(4), src(2), at(4));

  SUBCASE("the oldest of that source") {
    auto a = budget.decide(src(9), 0);
    CHECK(a.verdict == AdmissionVerdict::kAdmitEvicting);
    CHECK(a.evict == id(2));
  }
  SUBCASE("one that has sent nothing before one making progress") {
    budget.progressed(id(2));
    budget.progressed(id(3));
    CHECK(budget.decide(src(9), 0).evict == id(4));
  }
  SUBCASE("an unanswered handshake of a small source before an answered one of a big source") {
    budget.progressed(id(2));
    budget.progressed(id(3));
    budget.progressed(id(4));
    CHECK(budget.decide(src(9), 0).evict == id(1));
  }
  SUBCASE("all answered: the oldest of the biggest source") {
    for (std::uint64_t i = 1; i <= 4; ++i) budget.progressed(id(i));
    CHECK(budget.decide(src(9), 0).evict == id(2));
  }
  SUBCASE("the newcomer's own source may lose its oldest") {
    auto a = budget.decide(src(1), 0);
    CHECK(a.verdict == AdmissionVerdict::kAdmitEvicting);
    CHECK(a.evict == id(2));
  }
  SUBCASE("all sources equal: the oldest idle one") {
    budget.remove(id(3));
    budget.remove(id(4));
    budget.add(id(5), src(3), at(5));
    budget.add(id(6), src(4), at(6));
    budget.progressed(id(1));
    CHECK(budget.decide(src(9), 0).evict == id(2));
  }
  SUBCASE("a source at its share is refused even when others could be evicted") {
    CHECK(budget.decide(src(2), 0).verdict == AdmissionVerdict::kRefusePerSource);
  }
}

TEST_CASE("admission: verified links are never evicted, and are capped") {
  HandshakeBudget budget(limits(2, 2, 2));
  budget.add(id(1), src(1), at(1));
  budget.add(id(2), src(1), at(2));
  CHECK(budget.may_verify(id(1), 0));  // link 1 is verified: it leaves the budget
  CHECK(budget.size() == 1);
  for (int round = 0; round < 5; ++round) {  // a stream of newcomers only ever evicts handshakes
    auto a = budget.decide(src(10 + round), 1);
    REQUIRE(a.admitted());
    if (a.evict) {
      CHECK_FALSE(*a.evict == id(1));
      budget.remove(*a.evict);
    }
    budget.add(id(100 + static_cast<std::uint64_t>(round)), src(10 + round), at(10 + round));
  }
  CHECK(budget.size() == 2);
  // Verified links full: no new handshake, and a completed one is refused.
  CHECK(budget.decide(src(50), 2).verdict == AdmissionVerdict::kRefuseLinksFull);
  CHECK_FALSE(budget.may_verify(id(104), 2));
  CHECK(budget.size() == 1);  // refused or not, it left the budget
}

TEST_CASE("admission: a zero budget refuses instead of evicting nothing") {
  HandshakeBudget budget(limits(10, 0, 4));
  auto a = budget.decide(src(1), 0);
  CHECK_FALSE(a.admitted());
  CHECK_FALSE(a.evict.has_value());
}
