// dns/records: the one-pass answer reader, checked on its own and against c-ares 1.18's parsers
// (which it replaces) on the same messages, including every truncation of them.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <ares.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "dns/records.h"

using namespace p2psip::dns;
using p2psip::Bytes;
using p2psip::ByteView;

namespace {

struct Msg {
  Bytes b;
  void u8(unsigned v) { b.push_back(static_cast<std::byte>(v & 0xff)); }
  void u16(unsigned v) { u8(v >> 8); u8(v); }
  void u32(std::uint32_t v) { u16(v >> 16); u16(v & 0xffff); }
  void label(const std::string& s) {
    u8(static_cast<unsigned>(s.size()));
    for (char c : s) u8(static_cast<unsigned char>(c));
  }
  void name(std::initializer_list<std::string> labels) {
    for (const std::string& l : labels) label(l);
    u8(0);
  }
  void str(const std::string& s) { label(s); }
  // RR header with owner `ptr` (a compression pointer) and the RDATA length to follow.
  void rr(unsigned ptr, unsigned type, unsigned rdlen, unsigned cls = 1) {
    u16(0xC000 | ptr); u16(type); u16(cls); u32(300); u16(rdlen);
  }
};

// Header + question "<labels>" of `qtype`; the question name starts at offset 12.
Msg question(unsigned qtype, unsigned an, std::initializer_list<std::string> labels) {
  Msg m;
  m.u16(0x1234); m.u16(0x8180); m.u16(1); m.u16(an); m.u16(0); m.u16(0);
  m.name(labels);
  m.u16(qtype); m.u16(1);
  return m;
}

Msg srv_message() {
  Msg m = question(33, 3, {"_sip", "_udp", "example", "com"});
  m.rr(12, 33, 6 + 2);  // target: a pointer to "example.com" inside the question
  m.u16(10); m.u16(60); m.u16(5060); m.u16(0xC000 | 22);
  m.rr(12, 33, 6 + 8);
  m.u16(10); m.u16(20); m.u16(5070); m.label("s1"); m.label("a.b"); m.u8(0);  // escaped "."
  m.rr(12, 1, 4);  // an A record in an SRV answer: ignored
  m.u32(0x0A000001);
  return m;
}

Msg naptr_message() {
  Msg m = question(35, 2, {"example", "com"});
  Msg rd;
  rd.u16(50); rd.u16(51); rd.str("s"); rd.str("SIP+D2T"); rd.str("");
  rd.label("_sip"); rd.label("_tcp"); rd.u16(0xC000 | 12);
  m.rr(12, 35, static_cast<unsigned>(rd.b.size()));
  m.b.insert(m.b.end(), rd.b.begin(), rd.b.end());
  Msg rd2;
  rd2.u16(90); rd2.u16(50); rd2.str("s"); rd2.str("SIP+D2U"); rd2.str("!x!y!"); rd2.label("w\x01");
  rd2.u8(0);
  m.rr(12, 35, static_cast<unsigned>(rd2.b.size()));
  m.b.insert(m.b.end(), rd2.b.begin(), rd2.b.end());
  return m;
}

// WWW.example.com CNAME alias.example.com; two A records for alias (kept), one of the wrong
// length (skipped) and one owned by "other" (dropped).
Msg a_message() {
  Msg m = question(1, 5, {"WWW", "example", "com"});
  std::size_t cname_at = m.b.size() + 12;
  m.rr(12, 5, 8);
  m.label("alias"); m.u16(0xC000 | 16);  // alias.example.com
  m.rr(static_cast<unsigned>(cname_at), 1, 4);
  m.u32(0xC0000201);
  m.rr(static_cast<unsigned>(cname_at), 1, 4);
  m.u32(0xC00002FF);
  m.rr(12, 1, 5);  // wrong length: skipped
  m.u32(0); m.u8(0);
  std::size_t other_at = m.b.size();
  m.u8(5); for (char c : std::string("other")) m.u8(static_cast<unsigned char>(c)); m.u8(0);
  m.u16(1); m.u16(1); m.u32(300); m.u16(4); m.u32(0x01020304);
  (void)other_at;
  return m;
}

Msg aaaa_message() {
  Msg m = question(28, 1, {"v6", "example"});
  m.rr(12, 28, 16);
  for (unsigned v : {0x20u, 0x01u, 0x0du, 0xb8u}) m.u8(v);
  for (int i = 0; i < 11; ++i) m.u8(0);
  m.u8(1);
  return m;
}

struct Parsed {
  bool error = false;
  std::vector<std::string> lines;
};

Parsed ours(ByteView m, RecordType type) {
  DnsAnswer a;
  auto n = read_answer_records(m, type, a);
  Parsed p;
  if (!n) {
    p.error = true;
    return p;
  }
  for (const NaptrRecord& r : a.naptr) {
    p.lines.push_back(std::to_string(r.order) + " " + std::to_string(r.preference) + " " + r.flags +
                      " " + r.service + " " + r.regexp + " " + r.replacement);
  }
  for (const SrvRecord& r : a.srv) {
    p.lines.push_back(std::to_string(r.priority) + " " + std::to_string(r.weight) + " " +
                      std::to_string(r.port) + " " + r.target);
  }
  for (const std::string& ip : a.addresses) p.lines.push_back(ip);
  CHECK(*n == p.lines.size());
  return p;
}

std::string text(const unsigned char* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

// The c-ares 1.18 reading of the same bytes, in the same shape; ENODATA -> no lines.
Parsed theirs(ByteView m, RecordType type) {
  const auto* buf = reinterpret_cast<const unsigned char*>(m.data());
  int len = static_cast<int>(m.size());
  Parsed p;
  int rc = ARES_SUCCESS;
  switch (type) {
    case RecordType::naptr: {
      ares_naptr_reply* head = nullptr;
      rc = ares_parse_naptr_reply(buf, len, &head);
      for (auto* r = head; r; r = r->next) {
        p.lines.push_back(std::to_string(r->order) + " " + std::to_string(r->preference) + " " +
                          text(r->flags) + " " + text(r->service) + " " + text(r->regexp) + " " +
                          (r->replacement ? r->replacement : ""));
      }
      if (head) ares_free_data(head);
      break;
    }
    case RecordType::srv: {
      ares_srv_reply* head = nullptr;
      rc = ares_parse_srv_reply(buf, len, &head);
      for (auto* r = head; r; r = r->next) {
        p.lines.push_back(std::to_string(r->priority) + " " + std::to_string(r->weight) + " " +
                          std::to_string(r->port) + " " + (r->host ? r->host : ""));
      }
      if (head) ares_free_data(head);
      break;
    }
    case RecordType::a: {
      ares_addrttl t[64];
      int n = 64;
      rc = ares_parse_a_reply(buf, len, nullptr, t, &n);
      char s[INET6_ADDRSTRLEN];
      for (int i = 0; rc == ARES_SUCCESS && i < n; ++i) {
        p.lines.push_back(inet_ntop(AF_INET, &t[i].ipaddr, s, sizeof s));
      }
      break;
    }
    case RecordType::aaaa: {
      ares_addr6ttl t[64];
      int n = 64;
      rc = ares_parse_aaaa_reply(buf, len, nullptr, t, &n);
      char s[INET6_ADDRSTRLEN];
      for (int i = 0; rc == ARES_SUCCESS && i < n; ++i) {
        p.lines.push_back(inet_ntop(AF_INET6, &t[i].ip6addr, s, sizeof s));
      }
      break;
    }
  }
  if (rc != ARES_SUCCESS && rc != ARES_ENODATA) p = Parsed{true, {}};
  if (rc == ARES_ENODATA) p.lines.clear();
  return p;
}

void same_as_cares(const Msg& m, RecordType type) {
  Parsed a = ours(m.b, type);
  Parsed b = theirs(m.b, type);
  CHECK(a.error == b.error);
  CHECK(a.lines == b.lines);
}

}  // namespace

TEST_CASE("records: SRV, compressed and escaped targets, other types ignored") {
  Parsed p = ours(srv_message().b, RecordType::srv);
  REQUIRE_FALSE(p.error);
  CHECK(p.lines == std::vector<std::string>{"10 60 5060 example.com", "10 20 5070 s1.a\\.b"});
}

TEST_CASE("records: NAPTR strings and replacement, non-printables escaped") {
  Parsed p = ours(naptr_message().b, RecordType::naptr);
  REQUIRE_FALSE(p.error);
  CHECK(p.lines == std::vector<std::string>{"50 51 s SIP+D2T  _sip._tcp.example.com",
                                            "90 50 s SIP+D2U !x!y! w\\001"});
}

TEST_CASE("records: A follows the CNAME chain, skips wrong owners and lengths") {
  Parsed p = ours(a_message().b, RecordType::a);
  REQUIRE_FALSE(p.error);
  CHECK(p.lines == std::vector<std::string>{"192.0.2.1", "192.0.2.255"});
  CHECK(ours(aaaa_message().b, RecordType::aaaa).lines == std::vector<std::string>{"2001:db8::1"});
}

TEST_CASE("records: no records of the type is NODATA, not an error") {
  Parsed p = ours(srv_message().b, RecordType::naptr);
  CHECK_FALSE(p.error);
  CHECK(p.lines.empty());
  CHECK(ours(question(1, 0, {"x"}).b, RecordType::a).lines.empty());
}

TEST_CASE("records: malformed input is an error, never an overread") {
  Msg two = question(1, 0, {"x"});
  two.b[5] = std::byte{2};  // qdcount 2
  CHECK(ours(two.b, RecordType::a).error);
  Msg loop = question(33, 1, {"x"});
  loop.rr(static_cast<unsigned>(loop.b.size()), 33, 8);  // owner points at itself
  loop.u16(0); loop.u16(0); loop.u16(1); loop.u16(0xC00C);
  CHECK(ours(loop.b, RecordType::srv).error);
  Msg short_srv = question(33, 1, {"x"});
  short_srv.rr(12, 33, 5);
  for (int i = 0; i < 5; ++i) short_srv.u8(0);
  CHECK(ours(short_srv.b, RecordType::srv).error);
}

TEST_CASE("records: same records and same verdicts as c-ares 1.18, whole and truncated") {
  struct Case {
    Msg m;
    RecordType type;
  };
  std::vector<Case> cases{{srv_message(), RecordType::srv},   {naptr_message(), RecordType::naptr},
                          {a_message(), RecordType::a},       {aaaa_message(), RecordType::aaaa},
                          {srv_message(), RecordType::naptr}, {a_message(), RecordType::aaaa}};
  for (const Case& c : cases) {
    same_as_cares(c.m, c.type);
    for (std::size_t n = 0; n < c.m.b.size(); ++n) {
      Msg cut;
      cut.b.assign(c.m.b.begin(), c.m.b.begin() + static_cast<std::ptrdiff_t>(n));
      CAPTURE(n);
      same_as_cares(cut, c.type);
    }
  }
}
