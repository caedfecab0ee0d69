#pragma once
// RFC 6940 identifiers and the shared basic types (§6.3.1.1, §6.3.2.2): NodeId, ResourceId,
// Destination, Boolean, IpAddressPort.
//
// Codec convention for every wire type in overlay/wire (bodies follow it too):
//   void encode(Writer& w, const T& v);     // appends v; w.ok() turns false if a length overflows
//   T decode_<snake_name>(Reader& r);       // reads one T; on failure r records a sticky
//                                           // WireError and a default T comes back
// Public entry points over a whole buffer return Expected<T, WireError>; the two templates at
// the end (encode_to_bytes, decode_whole) turn any pair above into such entry points.
// Every count or length is checked against a named k... constant before anything is allocated.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

inline constexpr std::size_t kNodeIdLength = 16;          // NodeIdLength for CHORD-RELOAD
inline constexpr std::size_t kMaxResourceIdLength = 255;  // opaque<0..2^8-1>
inline constexpr std::size_t kMaxOpaqueIdLength = 255;    // opaque<0..2^8-1>
// A destination or via list holds at most this many entries (TTL caps hops at 100 anyway).
inline constexpr std::size_t kMaxDestinationListEntries = 256;

// A 128-bit Node-ID (typedef opaque NodeId[NodeIdLength]). Ordered as a big-endian integer.
class NodeId {
 public:
  using Array = std::array<std::byte, kNodeIdLength>;

  NodeId() = default;  // all zero
  explicit NodeId(const Array& bytes) : bytes_(bytes) {}
  // Exactly kNodeIdLength bytes, else nullopt.
  static std::optional<NodeId> from_bytes(ByteView bytes);
  // 32 hex digits (either case), else nullopt.
  static std::optional<NodeId> from_hex(std::string_view hex);

  const Array& bytes() const { return bytes_; }
  ByteView view() const { return ByteView(bytes_.data(), bytes_.size()); }
  std::string hex() const { return to_hex(view()); }  // 32 lowercase digits

  friend auto operator<=>(const NodeId&, const NodeId&) = default;
  friend bool operator==(const NodeId&, const NodeId&) = default;

 private:
  Array bytes_{};
};

// typedef opaque ResourceId<0..2^8-1>. A wrapper so it does not overload like plain Bytes.
struct ResourceId {
  Bytes bytes;
  friend auto operator<=>(const ResourceId&, const ResourceId&) = default;
  friend bool operator==(const ResourceId&, const ResourceId&) = default;
};

// opaque opaque_id<0..2^8-1> (DestinationType opaque_id_type(3)).
struct OpaqueId {
  Bytes bytes;
  friend bool operator==(const OpaqueId&, const OpaqueId&) = default;
};

// The compressed 16-bit Destination (§6.3.2.2): its first byte has the high bit set.
struct CompressedId {
  std::uint16_t value = 0x8000;  // top bit MUST be 1
  friend bool operator==(const CompressedId&, const CompressedId&) = default;
};

enum class DestinationType : std::uint8_t {
  kInvalid = 0,
  kNode = 1,
  kResource = 2,
  kOpaqueId = 3,
};

// struct { DestinationType type; uint8 length; DestinationData destination_data; } Destination,
// or the 2-byte compressed form.
struct Destination {
  std::variant<NodeId, ResourceId, OpaqueId, CompressedId> id;

  static Destination node(const NodeId& n) { return {n}; }
  static Destination resource(ResourceId r) { return {std::move(r)}; }
  static Destination opaque(Bytes b) { return {OpaqueId{std::move(b)}}; }
  static Destination compressed(std::uint16_t v) { return {CompressedId{v}}; }

  bool is_node() const { return std::holds_alternative<NodeId>(id); }
  bool is_resource() const { return std::holds_alternative<ResourceId>(id); }
  const NodeId* node_id() const { return std::get_if<NodeId>(&id); }
  const ResourceId* resource_id() const { return std::get_if<ResourceId>(&id); }

  friend bool operator==(const Destination&, const Destination&) = default;
};

enum class AddressType : std::uint8_t { kInvalid = 0, kIpv4 = 1, kIpv6 = 2 };

// IpAddressPort (§6.3.1.1): type, length, then IPv4AddrPort or IPv6AddrPort.
struct IpAddressPort {
  AddressType type = AddressType::kIpv4;
  std::array<std::byte, 16> addr{};  // IPv4 uses the first 4 bytes, network order
  std::uint16_t port = 0;
  friend bool operator==(const IpAddressPort&, const IpAddressPort&) = default;
};

// ---- codec ----
void encode(Writer& w, const NodeId& v);
void encode(Writer& w, const ResourceId& v);  // 1-byte length + bytes
void encode(Writer& w, const Destination& v);
void encode(Writer& w, const IpAddressPort& v);
void encode_boolean(Writer& w, bool v);
// The entries one after another, without a length prefix (the caller owns the length field).
void encode_destinations(Writer& w, const std::vector<Destination>& list);

NodeId decode_node_id(Reader& r);
ResourceId decode_resource_id(Reader& r);
Destination decode_destination(Reader& r);
IpAddressPort decode_ip_address_port(Reader& r);
bool decode_boolean(Reader& r, const char* what);  // only 0 or 1 are valid
// Reads Destinations until `body` is exhausted (pass the sub-reader of a length field).
std::vector<Destination> decode_destinations(Reader& body, const char* what);

// ---- whole-buffer helpers ----
template <class T>
Expected<Bytes, WireError> encode_to_bytes(const T& v) {
  Writer w;
  encode(w, v);
  if (!w.ok()) {
    return unexpected(WireError{DecodeFailure::kTooLarge, 0, "encode: a length overflows", 0});
  }
  return std::move(w).take();
}

// Decodes exactly one T filling all of `in`: decode_whole<NodeId>(in, decode_node_id).
template <class T, class F>
Expected<T, WireError> decode_whole(ByteView in, F&& decode_fn, const char* what) {
  Reader r(in);
  T v = decode_fn(r);
  r.expect_end(what);
  if (!r.ok()) return unexpected(*r.error());
  return v;
}

}  // namespace p2psip::wire
