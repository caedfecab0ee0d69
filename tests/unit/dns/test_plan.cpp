#include <doctest/doctest.h>

#include <map>
#include <string>

#include "dns/plan.h"

using namespace p2psip::dns;

namespace {

DnsAnswer ok_naptr(std::vector<NaptrRecord> rs) {
  DnsAnswer a{QueryResult::ok, 300, {}, {}, {}};
  a.naptr = std::move(rs);
  return a;
}
DnsAnswer ok_srv(std::vector<SrvRecord> rs) {
  DnsAnswer a{QueryResult::ok, 300, {}, {}, {}};
  a.srv = std::move(rs);
  return a;
}
DnsAnswer ok_addr(std::vector<std::string> ips) {
  DnsAnswer a{QueryResult::ok, 300, {}, {}, {}};
  a.addresses = std::move(ips);
  return a;
}
DnsAnswer fail(QueryResult r) { return DnsAnswer{r, 0, {}, {}, {}}; }

// A zone in a map; anything absent is NODATA. Records every query asked.
struct FakeDns {
  std::map<std::pair<std::string, RecordType>, DnsAnswer> zone;
  std::vector<Query> asked;
  DnsAnswer fallback = fail(QueryResult::nodata);

  void set(std::string name, RecordType t, DnsAnswer a) { zone[{std::move(name), t}] = std::move(a); }

  ResolveResult run(const std::string& uri, PlanOptions opts = {}, Rng rng = nullptr) {
    if (!rng) rng = [](std::uint32_t) { return 0u; };
    auto target = parse_sip_uri(uri);
    REQUIRE(target);
    ResolutionPlan plan(*target, opts, rng);
    for (int round = 0; round < 10 && !plan.done(); ++round) {
      std::vector<Query> qs = plan.take_queries();
      REQUIRE_FALSE(qs.empty());
      for (const Query& q : qs) {
        asked.push_back(q);
        auto it = zone.find({q.name, q.type});
        plan.on_answer(q, it == zone.end() ? fallback : it->second);
      }
    }
    REQUIRE(plan.done());
    CHECK(plan.take_queries().empty());
    return plan.result();
  }
  bool was_asked(const std::string& name, RecordType t) const {
    for (const Query& q : asked) {
      if (q.name == name && q.type == t) return true;
    }
    return false;
  }
};

std::string show(const ResolveResult& r) {
  if (!r) return "error: " + r.error().message();
  std::string out;
  for (const Target& t : *r) {
    out += std::string(to_string(t.transport)) + " " + t.ip + " " + std::to_string(t.port) + " " +
           t.hostname + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("plan: numeric hosts skip DNS") {
  FakeDns dns;
  CHECK(show(dns.run("sip:192.0.2.1")) == "udp 192.0.2.1 5060 192.0.2.1\n");
  CHECK(show(dns.run("sips:[2001:db8::1]")) == "tls 2001:db8::1 5061 2001:db8::1\n");
  CHECK(show(dns.run("sip:192.0.2.1:5070;transport=tcp")) == "tcp 192.0.2.1 5070 192.0.2.1\n");
  CHECK(dns.asked.empty());
}

TEST_CASE("plan: RFC 3263 §4.1 example: NAPTR -> SRV -> A, every SRV target kept") {
  FakeDns dns;
  dns.set("example.com", RecordType::naptr,
          ok_naptr({{90, 50, "s", "SIP+D2T", "", "_sip._tcp.example.com"},
                    {100, 50, "s", "SIP+D2U", "", "_sip._udp.example.com"},
                    {50, 50, "s", "SIPS+D2T", "", "_sips._tcp.example.com"}}));
  dns.set("_sip._tcp.example.com", RecordType::srv,
          ok_srv({{0, 1, 5060, "server1.example.com"}, {0, 2, 5060, "server2.example.com"}}));
  dns.set("server1.example.com", RecordType::a, ok_addr({"192.0.2.1"}));
  dns.set("server2.example.com", RecordType::a, ok_addr({"192.0.2.2"}));
  dns.set("server2.example.com", RecordType::aaaa, ok_addr({"2001:db8::2"}));
  // _sips._tcp and _sip._udp have no SRV: those NAPTR branches contribute nothing.
  CHECK(show(dns.run("sip:user@example.com")) ==
        "tcp 192.0.2.1 5060 server1.example.com\n"
        "tcp 192.0.2.2 5060 server2.example.com\n"
        "tcp 2001:db8::2 5060 server2.example.com\n");
  CHECK_FALSE(dns.was_asked("example.com", RecordType::a));  // SRV found: no A fallback
}

TEST_CASE("plan: NAPTR branches are tried in order, each with all its SRV targets") {
  FakeDns dns;
  dns.set("example.com", RecordType::naptr,
          ok_naptr({{20, 10, "s", "SIP+D2U", "", "_sip._udp.example.com"},
                    {10, 10, "s", "SIPS+D2T", "", "_sips._tcp.example.com"}}));
  dns.set("_sips._tcp.example.com", RecordType::srv, ok_srv({{0, 0, 5061, "tls.example.com"}}));
  dns.set("_sip._udp.example.com", RecordType::srv, ok_srv({{0, 0, 5062, "udp.example.com"}}));
  dns.set("tls.example.com", RecordType::a, ok_addr({"192.0.2.5"}));
  dns.set("udp.example.com", RecordType::a, ok_addr({"192.0.2.6"}));
  CHECK(show(dns.run("sip:example.com")) ==
        "tls 192.0.2.5 5061 tls.example.com\nudp 192.0.2.6 5062 udp.example.com\n");
}

TEST_CASE("plan: no NAPTR -> SRV _sip._udp, _sip._tcp, _sips._tcp (trap: SRV skipped)") {
  FakeDns dns;
  dns.set("_sip._tcp.example.org", RecordType::srv, ok_srv({{0, 0, 5070, "pbx.example.org"}}));
  dns.set("_sips._tcp.example.org", RecordType::srv, ok_srv({{0, 0, 5071, "pbx.example.org"}}));
  dns.set("pbx.example.org", RecordType::a, ok_addr({"198.51.100.7"}));
  CHECK(show(dns.run("sip:example.org")) ==
        "tcp 198.51.100.7 5070 pbx.example.org\ntls 198.51.100.7 5071 pbx.example.org\n");
  CHECK(dns.was_asked("_sip._udp.example.org", RecordType::srv));
  CHECK_FALSE(dns.was_asked("_sips._tls.example.org", RecordType::srv));  // trap
}

TEST_CASE("plan: NAPTR with only unsupported services behaves like no NAPTR (trap)") {
  FakeDns dns;
  dns.set("example.org", RecordType::naptr,
          ok_naptr({{10, 10, "u", "E2U+sip", "!^.*$!sip:a@b!", ""},
                    {20, 10, "s", "SIP+D2S", "", "_sip._sctp.example.org"}}));
  dns.set("_sip._udp.example.org", RecordType::srv, ok_srv({{0, 0, 5060, "u.example.org"}}));
  dns.set("u.example.org", RecordType::a, ok_addr({"198.51.100.9"}));
  CHECK(show(dns.run("sip:example.org")) == "udp 198.51.100.9 5060 u.example.org\n");
}

TEST_CASE("plan: sips queries only _sips._tcp and falls back to A at 5061 over TLS") {
  FakeDns dns;
  dns.set("secure.example", RecordType::a, ok_addr({"203.0.113.4"}));
  CHECK(show(dns.run("sips:secure.example")) == "tls 203.0.113.4 5061 secure.example\n");
  CHECK(dns.was_asked("_sips._tcp.secure.example", RecordType::srv));
  CHECK_FALSE(dns.was_asked("_sip._udp.secure.example", RecordType::srv));
  CHECK_FALSE(dns.was_asked("_sip._tcp.secure.example", RecordType::srv));
}

TEST_CASE("plan: no SRV -> A/AAAA at the default port, UDP for sip (trap: TLS port kept)") {
  FakeDns dns;
  dns.set("plain.example", RecordType::a, ok_addr({"203.0.113.1", "203.0.113.2"}));
  dns.set("plain.example", RecordType::aaaa, ok_addr({"2001:db8::1"}));
  CHECK(show(dns.run("sip:plain.example")) ==
        "udp 203.0.113.1 5060 plain.example\nudp 203.0.113.2 5060 plain.example\n"
        "udp 2001:db8::1 5060 plain.example\n");
  CHECK(show(dns.run("sip:plain.example", {AddressFamilies::ipv6_first})) ==
        "udp 2001:db8::1 5060 plain.example\nudp 203.0.113.1 5060 plain.example\n"
        "udp 203.0.113.2 5060 plain.example\n");
  CHECK(show(dns.run("sip:plain.example", {AddressFamilies::ipv6_only})) ==
        "udp 2001:db8::1 5060 plain.example\n");
  // NAPTR chose TCP but no SRV exists anywhere: A at 5060 with TCP.
  dns.set("plain.example", RecordType::naptr,
          ok_naptr({{10, 10, "s", "SIP+D2T", "", "_sip._tcp.plain.example"}}));
  CHECK(show(dns.run("sip:plain.example", {AddressFamilies::ipv4_only})) ==
        "tcp 203.0.113.1 5060 plain.example\ntcp 203.0.113.2 5060 plain.example\n");
  // transport=tls on a sip URI with no SRV: port 5061.
  CHECK(show(dns.run("sip:plain.example;transport=tls", {AddressFamilies::ipv4_only})) ==
        "tls 203.0.113.1 5061 plain.example\ntls 203.0.113.2 5061 plain.example\n");
}

TEST_CASE("plan: explicit port -> A/AAAA only; explicit transport -> that SRV only") {
  FakeDns dns;
  dns.set("h.example", RecordType::a, ok_addr({"192.0.2.9"}));
  dns.set("_sip._tcp.h.example", RecordType::srv, ok_srv({{0, 0, 5099, "h.example"}}));
  CHECK(show(dns.run("sip:h.example:5060")) == "udp 192.0.2.9 5060 h.example\n");
  CHECK_FALSE(dns.was_asked("h.example", RecordType::naptr));
  CHECK_FALSE(dns.was_asked("_sip._udp.h.example", RecordType::srv));
  CHECK(show(dns.run("sip:h.example;transport=tcp")) == "tcp 192.0.2.9 5099 h.example\n");
  CHECK_FALSE(dns.was_asked("h.example", RecordType::naptr));
  CHECK(show(dns.run("sips:h.example:5071")) == "tls 192.0.2.9 5071 h.example\n");
}

TEST_CASE("plan: SRV '.' target means unavailable: no A fallback") {
  FakeDns dns;
  dns.set("_sips._tcp.none.example", RecordType::srv, ok_srv({{0, 0, 0, ""}}));
  dns.set("none.example", RecordType::a, ok_addr({"192.0.2.1"}));
  auto r = dns.run("sips:none.example");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ResolveError::Kind::unavailable);
  CHECK_FALSE(dns.was_asked("none.example", RecordType::a));
}

TEST_CASE("plan: weighted SRV order uses the injected RNG") {
  FakeDns dns;
  dns.set("_sip._udp.w.example", RecordType::srv,
          ok_srv({{0, 1, 5060, "a.w.example"}, {0, 9, 5060, "b.w.example"}}));
  dns.set("a.w.example", RecordType::a, ok_addr({"192.0.2.1"}));
  dns.set("b.w.example", RecordType::a, ok_addr({"192.0.2.2"}));
  auto low = dns.run("sip:w.example;transport=udp", {}, [](std::uint32_t) { return 0u; });
  auto high = dns.run("sip:w.example;transport=udp", {}, [](std::uint32_t b) { return b; });
  REQUIRE(low);
  REQUIRE(high);
  CHECK((*low)[0].hostname == "a.w.example");
  CHECK((*high)[0].hostname == "b.w.example");
  CHECK(high->size() == 2);
}

TEST_CASE("plan: errors: NXDOMAIN, no records, timeout, SERVFAIL") {
  FakeDns nx;
  nx.fallback = fail(QueryResult::nxdomain);
  auto r = nx.run("sip:nowhere.example");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ResolveError::Kind::nxdomain);
  CHECK(r.error().message() == "nowhere.example: NXDOMAIN");
  CHECK(nx.asked.size() == 1);  // NAPTR NXDOMAIN: nothing below exists (RFC 8020)

  FakeDns empty;
  auto e = empty.run("sip:empty.example");
  REQUIRE_FALSE(e);
  CHECK(e.error().kind == ResolveError::Kind::no_records);

  FakeDns to;
  to.fallback = fail(QueryResult::timeout);
  auto t = to.run("sip:slow.example");
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ResolveError::Kind::timeout);

  FakeDns sf;
  sf.fallback = fail(QueryResult::servfail);
  auto s = sf.run("sip:broken.example:5060");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind == ResolveError::Kind::servfail);
}

TEST_CASE("plan: a failed NAPTR query still tries SRV, and partial failures still resolve") {
  FakeDns dns;
  dns.set("p.example", RecordType::naptr, fail(QueryResult::servfail));
  dns.set("_sip._udp.p.example", RecordType::srv, fail(QueryResult::timeout));
  dns.set("_sip._tcp.p.example", RecordType::srv, ok_srv({{0, 0, 5060, "t.p.example"}}));
  dns.set("t.p.example", RecordType::a, ok_addr({"192.0.2.3"}));
  CHECK(show(dns.run("sip:p.example")) == "tcp 192.0.2.3 5060 t.p.example\n");
}

TEST_CASE("plan: duplicate hosts are queried once and duplicate targets collapse") {
  FakeDns dns;
  dns.set("_sip._udp.d.example", RecordType::srv,
          ok_srv({{0, 0, 5060, "x.d.example"}, {1, 0, 5060, "X.d.example."}}));
  dns.set("x.d.example", RecordType::a, ok_addr({"192.0.2.1"}));
  CHECK(show(dns.run("sip:d.example;transport=udp")) == "udp 192.0.2.1 5060 x.d.example\n");
  int a_queries = 0;
  for (const Query& q : dns.asked) a_queries += q.name == "x.d.example" && q.type == RecordType::a;
  CHECK(a_queries == 1);
}

TEST_CASE("plan: answers to unknown queries are ignored") {
  auto target = parse_sip_uri("sip:q.example:5060");
  REQUIRE(target);
  ResolutionPlan plan(*target, {}, [](std::uint32_t) { return 0u; });
  auto qs = plan.take_queries();
  REQUIRE(qs.size() == 2);
  plan.on_answer(Query{"other.example", RecordType::a}, ok_addr({"192.0.2.1"}));
  CHECK_FALSE(plan.done());
  plan.on_answer(qs[0], ok_addr({"192.0.2.1"}));
  plan.on_answer(qs[0], ok_addr({"192.0.2.2"}));  // a repeat is ignored
  CHECK_FALSE(plan.done());
  plan.on_answer(qs[1], fail(QueryResult::nodata));
  REQUIRE(plan.done());
  CHECK(show(plan.result()) == "udp 192.0.2.1 5060 q.example\n");
}
