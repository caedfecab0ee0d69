#include <doctest/doctest.h>

#include "overlay/wire/ids.h"

using namespace p2psip;
using namespace p2psip::wire;

namespace {

Bytes bytes_of(std::initializer_list<int> v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

NodeId counting_node_id() {
  NodeId::Array a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(i);
  return NodeId(a);
}

}  // namespace

TEST_CASE("NodeId hex round trip and ordering") {
  NodeId n = counting_node_id();
  CHECK(n.hex() == "000102030405060708090a0b0c0d0e0f");
  auto back = NodeId::from_hex("000102030405060708090A0B0C0D0E0F");
  REQUIRE(back.has_value());
  CHECK(*back == n);
  CHECK_FALSE(NodeId::from_hex("00").has_value());
  CHECK_FALSE(NodeId::from_hex("zz0102030405060708090a0b0c0d0e0f").has_value());
  CHECK(NodeId{} < n);
  CHECK_FALSE(NodeId::from_bytes(bytes_of({1, 2, 3})).has_value());
}

TEST_CASE("Destination node: type 1, length 16, the 16 bytes") {
  Destination d = Destination::node(counting_node_id());
  Bytes expected = bytes_of({0x01,   // type = node
                             0x10,   // length = 16
                             0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  auto enc = encode_to_bytes(d);
  REQUIRE(enc.has_value());
  CHECK(*enc == expected);
  auto dec = decode_whole<Destination>(expected, decode_destination, "Destination");
  REQUIRE(dec.has_value());
  CHECK(*dec == d);
}

TEST_CASE("Destination resource: type 2, length, then ResourceId with its own length") {
  Destination d = Destination::resource(ResourceId{bytes_of({0xaa, 0xbb, 0xcc})});
  Bytes expected = bytes_of({0x02,              // type = resource
                             0x04,              // length of destination_data
                             0x03,              // ResourceId length
                             0xaa, 0xbb, 0xcc});
  CHECK(*encode_to_bytes(d) == expected);
  auto dec = decode_whole<Destination>(expected, decode_destination, "Destination");
  REQUIRE(dec.has_value());
  CHECK(*dec == d);
}

TEST_CASE("Destination opaque id and compressed form") {
  Destination o = Destination::opaque(bytes_of({0x42}));
  Bytes expected = bytes_of({0x03, 0x02, 0x01, 0x42});
  CHECK(*encode_to_bytes(o) == expected);
  CHECK(*decode_whole<Destination>(expected, decode_destination, "D") == o);

  Destination c = Destination::compressed(0x8123);
  Bytes cexp = bytes_of({0x81, 0x23});  // first byte high bit set: a 16-bit opaque id
  CHECK(*encode_to_bytes(c) == cexp);
  CHECK(*decode_whole<Destination>(cexp, decode_destination, "D") == c);
  CHECK_FALSE(encode_to_bytes(Destination::compressed(0x0123)).has_value());
}

TEST_CASE("Destination negative cases") {
  // truncated at every byte
  Bytes full = *encode_to_bytes(Destination::node(counting_node_id()));
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto dec = decode_whole<Destination>(ByteView(full).first(n), decode_destination, "D");
    REQUIRE_FALSE(dec.has_value());
    CHECK(dec.error().failure == DecodeFailure::kTruncated);
  }
  // node with a wrong length
  Bytes short_node = bytes_of({0x01, 0x02, 0xaa, 0xbb});
  CHECK_FALSE(decode_whole<Destination>(short_node, decode_destination, "D").has_value());
  // resource whose inner length leaves bytes unread
  Bytes trailing = bytes_of({0x02, 0x03, 0x01, 0xaa, 0xbb});
  auto t = decode_whole<Destination>(trailing, decode_destination, "D");
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().failure == DecodeFailure::kTrailingBytes);
  // unknown and invalid types
  CHECK_FALSE(decode_whole<Destination>(bytes_of({0x00, 0x00}), decode_destination, "D"));
  CHECK_FALSE(decode_whole<Destination>(bytes_of({0x04, 0x00}), decode_destination, "D"));
}

TEST_CASE("Destination list is capped") {
  Bytes many;
  for (std::size_t i = 0; i <= kMaxDestinationListEntries; ++i) {
    many.push_back(std::byte{0x80});
    many.push_back(std::byte{0x01});
  }
  Reader r(many);
  auto list = decode_destinations(r, "list");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error()->failure == DecodeFailure::kTooLarge);
}

TEST_CASE("IpAddressPort: the RFC example 192.0.2.1:6084") {
  IpAddressPort a;
  a.type = AddressType::kIpv4;
  a.addr[0] = std::byte{0xc0};
  a.addr[2] = std::byte{0x02};
  a.addr[3] = std::byte{0x01};
  a.port = 6084;
  Bytes expected = bytes_of({0x01, 0x06, 0xc0, 0x00, 0x02, 0x01, 0x17, 0xc4});
  CHECK(*encode_to_bytes(a) == expected);
  CHECK(*decode_whole<IpAddressPort>(expected, decode_ip_address_port, "A") == a);
  IpAddressPort v6;
  v6.type = AddressType::kIpv6;
  v6.addr[15] = std::byte{1};
  v6.port = 5060;
  auto enc = encode_to_bytes(v6);
  REQUIRE(enc.has_value());
  CHECK(enc->size() == 20);
  CHECK(*decode_whole<IpAddressPort>(*enc, decode_ip_address_port, "A") == v6);
  CHECK_FALSE(decode_whole<IpAddressPort>(bytes_of({0x01, 0x05, 0, 0, 0, 0, 0}),
                                          decode_ip_address_port, "A"));
}

TEST_CASE("Boolean accepts only 0 and 1") {
  Bytes two = bytes_of({2});
  Reader r(two);
  (void)decode_boolean(r, "b");
  CHECK_FALSE(r.ok());
}
