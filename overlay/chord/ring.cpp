#include "overlay/chord/ring.h"

#include <algorithm>

namespace p2psip::chord {

U128 to_u128(const NodeId& id) {
  U128 v = 0;
  for (std::byte b : id.bytes()) v = (v << 8) | std::to_integer<unsigned>(b);
  return v;
}

NodeId from_u128(U128 v) {
  NodeId::Array a{};
  for (int i = static_cast<int>(a.size()) - 1; i >= 0; --i) {
    a[static_cast<std::size_t>(i)] = static_cast<std::byte>(static_cast<unsigned>(v & 0xff));
    v >>= 8;
  }
  return NodeId(a);
}

NodeId ring_point(const wire::ResourceId& r) {
  NodeId::Array a{};
  std::copy_n(r.bytes.begin(), std::min(r.bytes.size(), a.size()), a.begin());
  return NodeId(a);
}

std::optional<NodeId> ring_point(const wire::Destination& d) {
  if (const NodeId* n = d.node_id()) return *n;
  if (const wire::ResourceId* r = d.resource_id()) return ring_point(*r);
  return std::nullopt;
}

U128 distance(const NodeId& from, const NodeId& to) { return to_u128(to) - to_u128(from); }

bool between_open(const NodeId& a, const NodeId& x, const NodeId& b) {
  if (x == a) return false;
  if (a == b) return true;
  return distance(a, x) < distance(a, b);
}

bool between_left_open(const NodeId& a, const NodeId& x, const NodeId& b) {
  if (a == b) return true;
  if (x == a) return false;
  return distance(a, x) <= distance(a, b);
}

NodeId add_pow2(const NodeId& n, unsigned k) { return add(n, static_cast<U128>(1) << (k & 127)); }

NodeId add(const NodeId& n, U128 delta) { return from_u128(to_u128(n) + delta); }

NodeId finger_target(const NodeId& n, unsigned i) {
  return add_pow2(n, 128 - std::clamp(i, 1u, 128u));
}

unsigned finger_index(const NodeId& n, const NodeId& id) {
  U128 d = distance(n, id);
  if (d == 0) return 0;
  unsigned log2 = 127;
  while ((d >> log2) == 0) --log2;
  return 128 - log2;  // d in [2^(128-i), 2^(129-i))
}

NodeId finger_range_point(const NodeId& n, unsigned i, U128 r) {
  unsigned k = 128 - std::clamp(i, 1u, 128u);
  U128 size = static_cast<U128>(1) << k;
  return add(finger_target(n, i), r & (size - 1));
}

std::uint64_t high64(const NodeId& id) { return static_cast<std::uint64_t>(to_u128(id) >> 64); }

}  // namespace p2psip::chord
