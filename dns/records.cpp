#include "dns/records.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace p2psip::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxName = 255;   // RFC 1035 §2.3.4, wire octets
constexpr int kMaxLabels = 128;        // also bounds pointer jumps
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeCname = 5;

std::uint8_t at(ByteView m, std::size_t i) { return std::to_integer<std::uint8_t>(m[i]); }
std::uint16_t u16_at(ByteView m, std::size_t i) {
  return static_cast<std::uint16_t>((at(m, i) << 8) | at(m, i + 1));
}

// The labels of the possibly compressed name at `pos`, unescaped, in a fixed buffer.
struct WireName {
  std::array<std::uint8_t, kMaxName + 1> octets;  // length-prefixed labels, no root
  std::size_t size = 0;
};

// Reads the name at `pos` (RFC 1035 §4.1.4) into `name` (or only checks it when null); `pos`
// moves past it in the message (past the first pointer if compressed). False if malformed,
// looping or too long.
bool read_name(ByteView m, std::size_t& pos, WireName* name) {
  std::size_t size = 0;
  std::size_t p = pos;
  bool jumped = false;
  for (int i = 0; i < kMaxLabels; ++i) {
    if (p >= m.size()) return false;
    std::uint8_t len = at(m, p);
    if (len == 0) {
      if (!jumped) pos = p + 1;
      if (name) name->size = size;
      return true;
    }
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= m.size()) return false;
      if (!jumped) pos = p + 2;
      jumped = true;
      p = static_cast<std::size_t>(((len & 0x3F) << 8) | at(m, p + 1));
      continue;
    }
    if ((len & 0xC0) != 0 || m.size() - p - 1 < len) return false;
    if (size + 1 + len > kMaxName) return false;
    if (name) {
      for (std::size_t k = 0; k <= len; ++k) name->octets[size + k] = at(m, p + k);
      name->size = size + 1 + len;
    }
    size += 1 + len;
    p += 1 + len;
  }
  return false;
}

bool same_name(const WireName& a, const WireName& b) {
  if (a.size != b.size) return false;
  for (std::size_t i = 0; i < a.size; ++i) {
    std::uint8_t x = a.octets[i], y = b.octets[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<std::uint8_t>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<std::uint8_t>(y + 32);
    if (x != y) return false;  // length octets compare equal only when equal (< 'A')
  }
  return true;
}

bool reserved(std::uint8_t c) {
  return c == '"' || c == '.' || c == ';' || c == '\\' || c == '(' || c == ')' || c == '@' ||
         c == '$';
}

// Presentation form as ares_expand_name (1.18) prints it: no trailing dot, root is "".
std::string to_text(const WireName& name) {
  std::string out;
  out.reserve(name.size);
  for (std::size_t i = 0; i < name.size;) {
    std::size_t len = name.octets[i++];
    if (!out.empty() || i > 1) out += '.';
    for (std::size_t k = 0; k < len; ++k, ++i) {
      std::uint8_t c = name.octets[i];
      if (c < 0x20 || c > 0x7E) {
        char esc[5] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                       static_cast<char>('0' + c % 10), 0};
        out += esc;
      } else {
        if (reserved(c)) out += '\\';
        out += static_cast<char>(c);
      }
    }
  }
  return out;
}

std::string ipv4_text(ByteView m, std::size_t pos) {
  char buf[16];
  char* q = buf;
  for (int i = 0; i < 4; ++i) {
    unsigned v = at(m, pos + static_cast<std::size_t>(i));
    if (i) *q++ = '.';
    if (v >= 100) *q++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *q++ = static_cast<char>('0' + v / 10 % 10);
    *q++ = static_cast<char>('0' + v % 10);
  }
  return std::string(buf, q);
}

std::string ipv6_text(ByteView m, std::size_t pos) {
  unsigned char raw[16];
  std::memcpy(raw, m.data() + pos, sizeof raw);
  char buf[INET6_ADDRSTRLEN] = {};
  return inet_ntop(AF_INET6, raw, buf, sizeof buf) ? std::string(buf) : std::string();
}

// <character-string> (RFC 1035 §3.3) at `pos` within [.., end); `pos` moves past it.
bool read_string(ByteView m, std::size_t& pos, std::size_t end, std::string& out) {
  if (pos >= end) return false;
  std::size_t len = at(m, pos);
  if (end - pos - 1 < len) return false;
  out.assign(reinterpret_cast<const char*>(m.data()) + pos + 1, len);
  pos += 1 + len;
  return true;
}

Unexpected<std::string> bad(const char* what) { return unexpected(std::string(what)); }

}  // namespace

Expected<std::size_t, std::string> read_answer_records(ByteView m, RecordType type,
                                                       DnsAnswer& out) {
  if (m.size() < kHeaderSize) return bad("short DNS header");
  std::uint16_t qdcount = u16_at(m, 4);
  std::uint16_t ancount = u16_at(m, 6);
  if (qdcount != 1) return bad("not one question");
  std::size_t pos = kHeaderSize;
  WireName owner;  // the name A/AAAA records must have: the question, then CNAME targets
  if (!read_name(m, pos, &owner) || m.size() - pos < 4) return bad("bad question");
  pos += 4;
  WireName name;
  std::size_t count = 0;
  bool address = type == RecordType::a || type == RecordType::aaaa;
  for (std::uint16_t i = 0; i < ancount; ++i) {
    if (!read_name(m, pos, address ? &name : nullptr)) return bad("bad RR owner name");
    if (m.size() - pos < 10) return bad("truncated RR header");
    std::uint16_t rtype = u16_at(m, pos);
    std::uint16_t rclass = u16_at(m, pos + 2);
    std::size_t rdlen = u16_at(m, pos + 8);
    pos += 10;
    if (m.size() - pos < rdlen) return bad("truncated RDATA");
    std::size_t end = pos + rdlen;
    if (rclass == kClassIn) {
      if (address && rtype == kTypeCname && same_name(name, owner)) {
        std::size_t p = pos;
        if (!read_name(m, p, &owner)) return bad("bad CNAME");
      } else if (rtype == static_cast<std::uint16_t>(type)) {
        switch (type) {
          case RecordType::a:
          case RecordType::aaaa: {
            std::size_t want = type == RecordType::a ? 4 : 16;
            if (rdlen == want && same_name(name, owner) && out.addresses.size() < kMaxAddresses) {
              out.addresses.push_back(type == RecordType::a ? ipv4_text(m, pos) : ipv6_text(m, pos));
              ++count;
            }
            break;
          }
          case RecordType::srv: {
            if (rdlen < 6) return bad("short SRV");
            SrvRecord r{u16_at(m, pos), u16_at(m, pos + 2), u16_at(m, pos + 4), {}};
            std::size_t p = pos + 6;
            if (!read_name(m, p, &name)) return bad("bad SRV target");
            r.target = to_text(name);
            out.srv.push_back(std::move(r));
            ++count;
            break;
          }
          case RecordType::naptr: {
            if (rdlen < 7) return bad("short NAPTR");
            NaptrRecord r{u16_at(m, pos), u16_at(m, pos + 2), {}, {}, {}, {}};
            std::size_t p = pos + 4;
            if (!read_string(m, p, end, r.flags) || !read_string(m, p, end, r.service) ||
                !read_string(m, p, end, r.regexp) || !read_name(m, p, &name)) {
              return bad("bad NAPTR");
            }
            r.replacement = to_text(name);
            out.naptr.push_back(std::move(r));
            ++count;
            break;
          }
        }
      }
    }
    pos = end;
  }
  return count;
}

}  // namespace p2psip::dns
