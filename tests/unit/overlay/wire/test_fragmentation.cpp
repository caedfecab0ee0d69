#include <doctest/doctest.h>

#include <algorithm>

#include "overlay/wire/fragmentation.h"
#include "tests/unit/overlay/wire/envelope_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

Bytes big_message(std::size_t body, std::uint64_t txid = 0x0102030405060708ull) {
  Message m = sample_message();
  m.header.transaction_id = txid;
  m.contents.message_body.resize(body);
  for (std::size_t i = 0; i < body; ++i) m.contents.message_body[i] = std::byte(i * 7);
  return *encode_message(m, 100000);
}

std::vector<Bytes> frags(const Bytes& msg, std::size_t mtu) {
  auto f = fragment_message(msg, mtu);
  REQUIRE(f.has_value());
  return *f;
}

ForwardingHeader header_of(const Bytes& b) {
  Reader r(b);
  return decode_forwarding_header(r);
}

}  // namespace

TEST_CASE("a message that fits is not fragmented") {
  Bytes m = big_message(100);
  auto f = frags(m, 1500);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == m);
}

TEST_CASE("fragments: equal slices within mtu-32, offsets and the last flag") {
  Bytes m = big_message(3000);
  std::size_t header_len = 38 + 18;
  auto f = frags(m, 1000);
  REQUIRE(f.size() >= 4);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    CHECK(f[i].size() <= 1000 - kFragmentHeadroom);
    ForwardingHeader h = header_of(f[i]);
    CHECK(h.length == f[i].size());
    CHECK(h.fragment_offset() == offset);
    CHECK((h.fragment & kFragmentHighBit) != 0);
    CHECK(h.is_last_fragment() == (i + 1 == f.size()));
    CHECK(parse_forwarding_header(f[i], test_params()).has_value());
    offset += f[i].size() - header_len;
  }
  CHECK(offset == m.size() - header_len);
  CHECK(f[0].size() - f.back().size() <= 1);  // equal-sized up to rounding
}

TEST_CASE("the second fragment's fragment field by hand") {
  Bytes m = big_message(600);  // payload = contents (2+4+600+4) + security (9) = 619 bytes
  auto f = frags(m, 56 + 32 + 320);  // budget 320 per fragment: 2 fragments of 310/309
  REQUIRE(f.size() == 2);
  // fragment field at bytes 12..15: high bit + last bit, offset 310 = 0x000136
  CHECK(to_hex(ByteView(f[1]).subspan(12, 4)) == "c0000136");
  CHECK(to_hex(ByteView(f[0]).subspan(12, 4)) == "80000000");
}

TEST_CASE("too small an mtu leaves the message whole") {
  Bytes m = big_message(3000);
  auto f = frags(m, 56 + 32 + 255);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == m);
}

TEST_CASE("reassembly in any order gives back the original message") {
  Bytes m = big_message(3000);
  auto f = frags(m, 1000);
  ReassemblyLimits lim;
  lim.max_message_size = 10000;
  for (int order = 0; order < 3; ++order) {
    Reassembler r(lim);
    std::vector<std::size_t> idx(f.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    if (order == 1) std::reverse(idx.begin(), idx.end());
    if (order == 2) std::rotate(idx.begin(), idx.begin() + 2, idx.end());
    std::optional<Bytes> whole;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      auto res = r.add(f[idx[k]], Millis{k * 10});
      REQUIRE(res.has_value());
      if (k + 1 < idx.size()) CHECK_FALSE(res->has_value());
      whole = *res;
    }
    REQUIRE(whole.has_value());
    CHECK(*whole == m);
    CHECK(r.partial_messages() == 0);
    CHECK(r.buffered_bytes() == 0);
  }
}

TEST_CASE("refragmenting a fragment keeps offsets absolute") {
  Bytes m = big_message(3000);
  auto first = frags(m, 2000);
  REQUIRE(first.size() == 2);
  std::vector<Bytes> all;
  for (const Bytes& f : first) {
    for (Bytes& g : frags(f, 700)) all.push_back(std::move(g));
  }
  ReassemblyLimits lim;
  lim.max_message_size = 10000;
  Reassembler r(lim);
  std::optional<Bytes> whole;
  for (const Bytes& g : all) {
    auto res = r.add(g, Millis{0});
    REQUIRE(res.has_value());
    if (res->has_value()) whole = *res;
  }
  REQUIRE(whole.has_value());
  CHECK(*whole == m);
}

TEST_CASE("an unfragmented message passes straight through") {
  Reassembler r;
  Bytes m = big_message(10);
  auto res = r.add(m, Millis{0});
  REQUIRE(res.has_value());
  REQUIRE(res->has_value());
  CHECK(**res == m);
}

TEST_CASE("duplicates are ignored, inconsistent overlaps drop the message") {
  Bytes m = big_message(3000);
  auto f = frags(m, 1000);
  ReassemblyLimits lim;
  lim.max_message_size = 10000;
  Reassembler r(lim);
  REQUIRE(r.add(f[0], Millis{0}).has_value());
  REQUIRE(r.add(f[0], Millis{1}).has_value());  // retransmission
  CHECK(r.partial_messages() == 1);
  Bytes changed = f[0];
  changed.back() ^= std::byte{1};
  auto bad = r.add(changed, Millis{2});
  REQUIRE_FALSE(bad.has_value());
  CHECK(r.partial_messages() == 0);
  CHECK(r.buffered_bytes() == 0);
}

TEST_CASE("a fragment reaching past the last fragment drops the message") {
  Bytes m = big_message(3000);
  auto f = frags(m, 1000);
  ReassemblyLimits lim;
  lim.max_message_size = 10000;
  Reassembler r(lim);
  REQUIRE(r.add(f.back(), Millis{0}).has_value());
  ForwardingHeader h = header_of(f[1]);
  h.fragment = kFragmentHighBit | static_cast<std::uint32_t>(header_of(f.back()).fragment_offset());
  Bytes beyond = *encode_forwarded(h, Bytes(500, std::byte{1}));
  CHECK_FALSE(r.add(beyond, Millis{0}).has_value());
  CHECK(r.partial_messages() == 0);
}

TEST_CASE("limits: message size, partial count, buffered bytes, timeout") {
  Bytes m = big_message(3000);
  auto f = frags(m, 1000);
  SUBCASE("reassembled size over max") {
    Reassembler r;  // max 5000
    ReassemblyLimits small;
    small.max_message_size = 1500;
    Reassembler rs(small);
    CHECK_FALSE(rs.add(f.back(), Millis{0}).has_value());
  }
  SUBCASE("partial count") {
    ReassemblyLimits lim;
    lim.max_partial_messages = 2;
    Reassembler r(lim);
    for (std::uint64_t t = 1; t <= 2; ++t) {
      REQUIRE(r.add(frags(big_message(3000, t), 1000)[0], Millis{0}).has_value());
    }
    CHECK_FALSE(r.add(frags(big_message(3000, 3), 1000)[0], Millis{0}).has_value());
    CHECK(r.partial_messages() == 2);
    // after the timeout the old ones are gone and a new one fits
    CHECK(r.add(frags(big_message(3000, 3), 1000)[0], Millis{15000}).has_value());
    CHECK(r.partial_messages() == 1);
  }
  SUBCASE("buffered bytes") {
    ReassemblyLimits lim;
    lim.max_buffered_bytes = 1200;
    Reassembler r(lim);
    REQUIRE(r.add(f[0], Millis{0}).has_value());
    CHECK_FALSE(r.add(f[1], Millis{0}).has_value());
    CHECK(r.buffered_bytes() == 0);
  }
  SUBCASE("expire") {
    Reassembler r;
    REQUIRE(r.add(f[0], Millis{0}).has_value());
    r.expire(Millis{14999});
    CHECK(r.partial_messages() == 1);
    r.expire(Millis{15000});
    CHECK(r.partial_messages() == 0);
    CHECK(r.buffered_bytes() == 0);
  }
}

TEST_CASE("limits per source: one sender cannot take every slot; sources do not mix") {
  ReassemblyLimits lim;
  lim.max_partials_per_source = 2;
  Reassembler r(lim);
  Bytes a = B({1, 1}), b = B({2, 2});
  for (std::uint64_t t = 1; t <= 2; ++t) {
    REQUIRE(r.add(frags(big_message(3000, t), 1000)[0], Millis{0}, a).has_value());
  }
  CHECK_FALSE(r.add(frags(big_message(3000, 3), 1000)[0], Millis{0}, a).has_value());
  CHECK(r.partial_messages() == 2);
  // Another source still gets its partials, even under a transaction id `a` uses.
  auto f = frags(big_message(3000, 1), 1000);
  for (std::size_t i = 0; i + 1 < f.size(); ++i) {
    auto res = r.add(f[i], Millis{0}, b);
    REQUIRE(res.has_value());
    CHECK_FALSE(res->has_value());
  }
  auto whole = r.add(f.back(), Millis{0}, b);
  REQUIRE(whole.has_value());
  REQUIRE(whole->has_value());
  CHECK(**whole == big_message(3000, 1));
  CHECK(r.partial_messages() == 2);  // a's two partials are untouched
}
