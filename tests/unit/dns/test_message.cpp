#include <doctest/doctest.h>

#include <initializer_list>

#include "dns/message.h"

using namespace p2psip::dns;
using p2psip::Bytes;
using p2psip::ByteView;

namespace {

struct Msg {
  Bytes b;
  void u8(unsigned v) { b.push_back(static_cast<std::byte>(v & 0xff)); }
  void u16(unsigned v) { u8(v >> 8); u8(v); }
  void u32(std::uint32_t v) { u16(v >> 16); u16(v & 0xffff); }
  void name(std::initializer_list<const char*> labels) {
    for (const char* l : labels) {
      std::string s(l);
      u8(static_cast<unsigned>(s.size()));
      for (char c : s) u8(static_cast<unsigned char>(c));
    }
    u8(0);
  }
  void header(unsigned flags, unsigned qd, unsigned an, unsigned ns) {
    u16(0x1234); u16(flags); u16(qd); u16(an); u16(ns); u16(0);
  }
  void rr_a(std::uint32_t ttl) {
    u16(0xC00C);  // pointer to the question name
    u16(1); u16(1); u32(ttl); u16(4); u32(0xC0000201);
  }
  void rr_soa(std::uint32_t ttl, std::uint32_t minimum) {
    u16(0xC00C);
    u16(6); u16(1); u32(ttl);
    u16(2 + 2 + 20);
    u16(0xC00C); u16(0xC00C);  // mname, rname compressed
    u32(1); u32(3600); u32(600); u32(86400); u32(minimum);
  }
};

Msg question(unsigned flags, unsigned an, unsigned ns) {
  Msg m;
  m.header(flags, 1, an, ns);
  m.name({"a", "example"});
  m.u16(1); m.u16(1);
  return m;
}

}  // namespace

TEST_CASE("message: smallest answer TTL") {
  Msg m = question(0x8180, 3, 0);
  m.rr_a(300); m.rr_a(60); m.rr_a(120);
  auto t = read_message_ttls(m.b);
  REQUIRE(t);
  CHECK(t->rcode == 0);
  CHECK(t->answer_count == 3);
  CHECK(*t->answer_ttl == 60);
  CHECK_FALSE(t->negative_ttl);
}

TEST_CASE("message: RFC 2308 negative TTL is min(SOA TTL, MINIMUM)") {
  Msg nx = question(0x8183, 0, 1);
  nx.rr_soa(900, 120);
  auto t = read_message_ttls(nx.b);
  REQUIRE(t);
  CHECK(t->rcode == 3);
  CHECK_FALSE(t->answer_ttl);
  CHECK(*t->negative_ttl == 120);
  Msg nodata = question(0x8180, 0, 1);
  nodata.rr_soa(30, 3600);
  CHECK(*read_message_ttls(nodata.b)->negative_ttl == 30);
}

TEST_CASE("message: TTL with the top bit set counts as zero (RFC 2181 §8)") {
  Msg m = question(0x8180, 1, 0);
  m.rr_a(0x80000000u);
  CHECK(*read_message_ttls(m.b)->answer_ttl == 0);
}

TEST_CASE("message: truncation flag") {
  Msg m = question(0x8380, 0, 0);
  CHECK(read_message_ttls(m.b)->truncated);
}

TEST_CASE("message: every truncation of a valid message is rejected, never overread") {
  Msg m = question(0x8180, 2, 1);
  m.rr_a(10); m.rr_a(20); m.rr_soa(5, 5);
  REQUIRE(read_message_ttls(m.b));
  for (std::size_t n = 0; n < m.b.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(read_message_ttls(ByteView(m.b.data(), n)));
  }
}

TEST_CASE("message: malformed names and short SOA") {
  Msg bad_label = question(0x8180, 1, 0);
  bad_label.u8(0x40);  // reserved label type
  CHECK_FALSE(read_message_ttls(bad_label.b));
  Msg short_soa = question(0x8180, 0, 1);
  short_soa.u16(0xC00C); short_soa.u16(6); short_soa.u16(1); short_soa.u32(5); short_soa.u16(4);
  short_soa.u32(0);
  CHECK_FALSE(read_message_ttls(short_soa.b));
  Msg loop;
  loop.header(0x8180, 1, 0, 0);
  for (int i = 0; i < 200; ++i) {  // 200 labels: beyond the label cap
    loop.u8(1);
    loop.u8('a');
  }
  loop.u8(0);
  loop.u16(1);
  loop.u16(1);
  CHECK_FALSE(read_message_ttls(loop.b));
}
