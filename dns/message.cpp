#include "dns/message.h"

#include <algorithm>

namespace p2psip::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr int kMaxLabels = 128;
constexpr std::uint16_t kTypeSoa = 6;

class Cursor {
 public:
  explicit Cursor(ByteView b) : b_(b) {}
  bool need(std::size_t n) const { return b_.size() - pos_ >= n; }
  std::size_t pos() const { return pos_; }
  std::uint8_t u8() { return std::to_integer<std::uint8_t>(b_[pos_++]); }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  void skip(std::size_t n) { pos_ += n; }

 private:
  ByteView b_;
  std::size_t pos_ = 0;
};

// Skips a possibly compressed name (a pointer ends it; we never follow pointers here).
bool skip_name(Cursor& c) {
  for (int i = 0; i < kMaxLabels; ++i) {
    if (!c.need(1)) return false;
    std::uint8_t len = c.u8();
    if (len == 0) return true;
    if ((len & 0xC0) == 0xC0) {
      if (!c.need(1)) return false;
      c.skip(1);
      return true;
    }
    if ((len & 0xC0) != 0 || !c.need(len)) return false;
    c.skip(len);
  }
  return false;
}

struct Rr {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_end = 0;
};

Expected<Rr, std::string> read_rr(Cursor& c) {
  if (!skip_name(c)) return unexpected(std::string("bad RR owner name"));
  if (!c.need(10)) return unexpected(std::string("truncated RR header"));
  Rr rr;
  rr.type = c.u16();
  c.skip(2);  // class
  rr.ttl = c.u32();
  if (rr.ttl > 0x7FFFFFFFu) rr.ttl = 0;  // RFC 2181 §8: top bit set means zero
  std::uint16_t rdlen = c.u16();
  if (!c.need(rdlen)) return unexpected(std::string("truncated RDATA"));
  rr.rdata_end = c.pos() + rdlen;
  return rr;
}

}  // namespace

Expected<MessageTtls, std::string> read_message_ttls(ByteView message) {
  Cursor c(message);
  if (!c.need(kHeaderSize)) return unexpected(std::string("short DNS header"));
  MessageTtls out;
  c.skip(2);  // id
  std::uint16_t flags = c.u16();
  out.truncated = (flags & 0x0200) != 0;
  out.rcode = static_cast<std::uint8_t>(flags & 0x000F);
  std::uint16_t qdcount = c.u16();
  out.answer_count = c.u16();
  std::uint16_t nscount = c.u16();
  c.skip(2);  // arcount
  for (std::uint16_t i = 0; i < qdcount; ++i) {
    if (!skip_name(c) || !c.need(4)) return unexpected(std::string("bad question"));
    c.skip(4);
  }
  for (std::uint32_t i = 0; i < std::uint32_t{out.answer_count} + nscount; ++i) {
    auto rr = read_rr(c);
    if (!rr) return unexpected(rr.error());
    bool answer = i < out.answer_count;
    if (answer) {
      out.answer_ttl = std::min(out.answer_ttl.value_or(rr->ttl), rr->ttl);
    } else if (rr->type == kTypeSoa) {
      std::size_t rdlen = rr->rdata_end - c.pos();
      if (rdlen < 22) return unexpected(std::string("short SOA"));  // 2 names + 5 x u32
      c.skip(rdlen - 4);
      std::uint32_t minimum = c.u32();
      std::uint32_t neg = std::min(rr->ttl, minimum);
      out.negative_ttl = std::min(out.negative_ttl.value_or(neg), neg);
      continue;
    }
    c.skip(rr->rdata_end - c.pos());
  }
  return out;
}

}  // namespace p2psip::dns
