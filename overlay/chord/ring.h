#pragma once
// 128-bit ring arithmetic for CHORD-RELOAD (RFC 6940 §10): every Node-ID and Resource-ID is a
// point on a ring of size 2^128 and all math is modulo 2^128. Pure functions, no state.
//
// Intervals follow the usual Chord conventions and wrap around zero:
//   between_open(a, x, b)        x in (a, b)   ; a == b means the whole ring except a
//   between_left_open(a, x, b)   x in (a, b]   ; a == b means the whole ring
//   distance(a, b)               clockwise steps from a to b, (b - a) mod 2^128

#include <cstdint>

#include "overlay/wire/ids.h"

namespace p2psip::chord {

using wire::NodeId;
__extension__ typedef unsigned __int128 U128;  // GCC/Clang extension; -Wpedantic quiet

U128 to_u128(const NodeId& id);
NodeId from_u128(U128 v);

// A Resource-ID as a ring point: its first 16 bytes, zero-padded when shorter (CHORD-RELOAD
// Resource-IDs are exactly 16 bytes; other lengths only come from foreign or broken input).
NodeId ring_point(const wire::ResourceId& r);
// The ring point of a Destination entry (node or resource); nullopt for opaque/compressed.
std::optional<NodeId> ring_point(const wire::Destination& d);

U128 distance(const NodeId& from, const NodeId& to);
bool between_open(const NodeId& a, const NodeId& x, const NodeId& b);
bool between_left_open(const NodeId& a, const NodeId& x, const NodeId& b);

// n + 2^k (k in 0..127), wrapping.
NodeId add_pow2(const NodeId& n, unsigned k);
// n + delta, wrapping.
NodeId add(const NodeId& n, U128 delta);
// Finger i (1..128) targets n + 2^(128-i) (§10.5; i = 1 is the farthest, half the ring away).
NodeId finger_target(const NodeId& n, unsigned i);
// §10.7.4.2: "the i'th Finger Table entry is valid if it is in the range
// [n + 2^(128-i), n + 2^(128-(i-1)) - 1]". The index whose range holds `id` (1..128), 0 for n.
unsigned finger_index(const NodeId& n, const NodeId& id);
inline bool in_finger_range(const NodeId& n, unsigned i, const NodeId& id) {
  return i >= 1 && finger_index(n, id) == i;
}
// A point of finger i's range: its start plus `r` reduced modulo the range's size (§10.7.4.2
// "a Node-ID selected randomly from that range" when r is random).
NodeId finger_range_point(const NodeId& n, unsigned i, U128 r);

// Convenience for tests and logs: the top 64 bits.
std::uint64_t high64(const NodeId& id);

}  // namespace p2psip::chord
