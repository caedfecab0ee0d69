#include "overlay/wire/ids.h"

#include <algorithm>

namespace p2psip::wire {

namespace {

constexpr std::uint8_t kCompressedBit = 0x80;
constexpr std::size_t kIpv4AddrPortLength = 6;
constexpr std::size_t kIpv6AddrPortLength = 18;

void encode_destination_data(Writer& w, const Destination& v) {
  if (const auto* n = std::get_if<NodeId>(&v.id)) {
    w.u8(static_cast<std::uint8_t>(DestinationType::kNode));
    Writer::Mark m = w.begin(1, 255);
    encode(w, *n);
    w.end(m);
  } else if (const auto* res = std::get_if<ResourceId>(&v.id)) {
    w.u8(static_cast<std::uint8_t>(DestinationType::kResource));
    Writer::Mark m = w.begin(1, 255);
    encode(w, *res);
    w.end(m);
  } else if (const auto* o = std::get_if<OpaqueId>(&v.id)) {
    w.u8(static_cast<std::uint8_t>(DestinationType::kOpaqueId));
    Writer::Mark m = w.begin(1, 255);
    w.opaque(1, kMaxOpaqueIdLength, o->bytes);
    w.end(m);
  }
}

}  // namespace

std::optional<NodeId> NodeId::from_bytes(ByteView bytes) {
  if (bytes.size() != kNodeIdLength) return std::nullopt;
  Array a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return NodeId(a);
}

std::optional<NodeId> NodeId::from_hex(std::string_view hex) {
  Array a{};
  if (!p2psip::from_hex(hex, a)) return std::nullopt;
  return NodeId(a);
}

void encode(Writer& w, const NodeId& v) { w.raw(v.view()); }

void encode(Writer& w, const ResourceId& v) { w.opaque(1, kMaxResourceIdLength, v.bytes); }

void encode(Writer& w, const Destination& v) {
  if (const auto* c = std::get_if<CompressedId>(&v.id)) {
    if ((c->value & 0x8000) == 0) w.fail();  // would read back as a typed Destination
    w.u16(c->value);
    return;
  }
  encode_destination_data(w, v);
}

void encode(Writer& w, const IpAddressPort& v) {
  w.u8(static_cast<std::uint8_t>(v.type));
  if (v.type == AddressType::kIpv4) {
    w.u8(kIpv4AddrPortLength);
    w.raw(ByteView(v.addr.data(), 4));
  } else if (v.type == AddressType::kIpv6) {
    w.u8(kIpv6AddrPortLength);
    w.raw(ByteView(v.addr.data(), 16));
  } else {
    w.fail();
    return;
  }
  w.u16(v.port);
}

void encode_boolean(Writer& w, bool v) { w.u8(v ? 1 : 0); }

void encode_destinations(Writer& w, const std::vector<Destination>& list) {
  if (list.size() > kMaxDestinationListEntries) w.fail();
  for (const Destination& d : list) encode(w, d);
}

NodeId decode_node_id(Reader& r) {
  ByteView v = r.view(kNodeIdLength, "NodeId");
  if (!r.ok()) return NodeId{};
  return *NodeId::from_bytes(v);
}

ResourceId decode_resource_id(Reader& r) {
  return ResourceId{r.opaque(1, kMaxResourceIdLength, "ResourceId")};
}

Destination decode_destination(Reader& r) {
  std::uint8_t first = r.u8("Destination.type");
  if (!r.ok()) return {};
  if ((first & kCompressedBit) != 0) {
    std::uint8_t second = r.u8("Destination compressed opaque_id");
    return Destination::compressed(static_cast<std::uint16_t>((first << 8) | second));
  }
  Reader body = r.sub(1, 255, "Destination.length");
  Destination d;
  switch (static_cast<DestinationType>(first)) {
    case DestinationType::kNode:
      d.id = decode_node_id(body);
      break;
    case DestinationType::kResource:
      d.id = decode_resource_id(body);
      break;
    case DestinationType::kOpaqueId:
      d.id = OpaqueId{body.opaque(1, kMaxOpaqueIdLength, "Destination.opaque_id")};
      break;
    default:
      body.fail(DecodeFailure::kBadValue, "Destination.type");
      break;
  }
  body.expect_end("Destination.destination_data");
  r.absorb(body);
  return d;
}

IpAddressPort decode_ip_address_port(Reader& r) {
  IpAddressPort v;
  std::uint8_t type = r.u8("IpAddressPort.type");
  Reader body = r.sub(1, 255, "IpAddressPort.length");
  if (type == static_cast<std::uint8_t>(AddressType::kIpv4)) {
    v.type = AddressType::kIpv4;
    ByteView a = body.view(4, "IPv4AddrPort.addr");
    std::copy(a.begin(), a.end(), v.addr.begin());
  } else if (type == static_cast<std::uint8_t>(AddressType::kIpv6)) {
    v.type = AddressType::kIpv6;
    ByteView a = body.view(16, "IPv6AddrPort.addr");
    std::copy(a.begin(), a.end(), v.addr.begin());
  } else {
    body.fail(DecodeFailure::kBadValue, "IpAddressPort.type");
  }
  v.port = body.u16("IpAddressPort.port");
  body.expect_end("IpAddressPort");
  r.absorb(body);
  return v;
}

bool decode_boolean(Reader& r, const char* what) {
  std::uint8_t b = r.u8(what);
  if (b > 1) r.fail(DecodeFailure::kBadValue, what);
  return b == 1;
}

std::vector<Destination> decode_destinations(Reader& body, const char* what) {
  std::vector<Destination> out;
  while (body.ok() && !body.empty()) {
    if (out.size() == kMaxDestinationListEntries) {
      body.fail(DecodeFailure::kTooLarge, what);
      break;
    }
    out.push_back(decode_destination(body));
  }
  return out;
}

}  // namespace p2psip::wire
