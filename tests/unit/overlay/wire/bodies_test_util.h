#pragma once
// Helpers for the method-body tests: hex byte vectors written field by field, round trips,
// and "every strict prefix fails" checks.

#include <doctest/doctest.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire::test {

// "01 02 0a" -> bytes; spaces, newlines and '|' are ignored so vectors can be laid out by field.
inline Bytes hex(std::string_view s) {
  Bytes out;
  int hi = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::byte>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("hex: odd number of digits");
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes repeat(std::size_t n, std::byte b) { return Bytes(n, b); }

template <class T>
Bytes encoded(const T& v) {
  Writer w;
  encode(w, v);
  REQUIRE(w.ok());
  return std::move(w).take();
}

template <class T>
bool encode_fails(const T& v) {
  Writer w;
  encode(w, v);
  return !w.ok();
}

// encode -> decode gives the value back and the same bytes again.
template <class T, class Decode>
void check_round_trip(const T& v, Decode&& decode) {
  Bytes b = encoded(v);
  auto back = decode(ByteView(b));
  REQUIRE(back.has_value());
  CHECK(*back == v);
  CHECK(encoded(*back) == b);
}

// Every strict prefix of `full` fails with kTruncated, and `full` decodes.
template <class Decode>
void check_every_prefix_truncated(const Bytes& full, Decode&& decode) {
  REQUIRE(decode(ByteView(full)).has_value());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = decode(ByteView(full.data(), n));
    INFO("prefix length " << n << " of " << full.size());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kTruncated);
  }
}

// Appending a byte to a whole body is kTrailingBytes.
template <class Decode>
void check_trailing_byte_rejected(const Bytes& full, Decode&& decode) {
  Bytes longer = full;
  longer.push_back(std::byte{0});
  auto r = decode(ByteView(longer));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kTrailingBytes);
}

template <class Result>
DecodeFailure failure_of(const Result& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().failure;
}

inline NodeId node(std::uint8_t fill) {
  NodeId::Array a{};
  for (std::byte& b : a) b = std::byte{fill};
  return NodeId(a);
}

inline IpAddressPort ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                          std::uint16_t port) {
  IpAddressPort v;
  v.type = AddressType::kIpv4;
  v.addr[0] = std::byte{a};
  v.addr[1] = std::byte{b};
  v.addr[2] = std::byte{c};
  v.addr[3] = std::byte{d};
  v.port = port;
  return v;
}

}  // namespace p2psip::wire::test
