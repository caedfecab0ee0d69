#pragma once
// CHORD-RELOAD (RFC 6940 §10.7, §10.8) topology bodies: ChordUpdate (the UpdateReq body),
// UpdateAns (empty for Chord) and ChordRouteQueryAns (the RouteQueryAns body).
// Codec convention: see ids.h.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/bodies_join_leave.h"  // kMaxChordNeighbors
#include "overlay/wire/ids.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxChordFingers = 128;  // one per bit of a 128-bit Node-ID

// enum { invalidChordUpdateType(0), peer_ready(1), neighbors(2), full(3), (255) }
enum class ChordUpdateType : std::uint8_t { kPeerReady = 1, kNeighbors = 2, kFull = 3 };

// struct { uint32 uptime; ChordUpdateType type; select (type) { case peer_ready: ;
//          case neighbors: NodeId predecessors<0..2^16-1>; NodeId successors<0..2^16-1>;
//          case full: ... plus NodeId fingers<0..2^16-1>; }; } ChordUpdate;
// Lists a type does not carry must be empty (the encoder refuses them otherwise).
struct ChordUpdate {
  std::uint32_t uptime = 0;  // seconds
  ChordUpdateType type = ChordUpdateType::kPeerReady;
  std::vector<NodeId> predecessors;
  std::vector<NodeId> successors;
  std::vector<NodeId> fingers;
  friend bool operator==(const ChordUpdate&, const ChordUpdate&) = default;
};
using UpdateReq = ChordUpdate;

// The UpdateAns "is expected to be either success or an error" (§6.4.2.3): an empty body.
struct UpdateAns {
  friend bool operator==(const UpdateAns&, const UpdateAns&) = default;
};

// struct { NodeId next_peer; } ChordRouteQueryAns;
struct ChordRouteQueryAns {
  NodeId next_peer;
  friend bool operator==(const ChordRouteQueryAns&, const ChordRouteQueryAns&) = default;
};
using RouteQueryAns = ChordRouteQueryAns;

void encode(Writer& w, const ChordUpdate& v);
void encode(Writer& w, const UpdateAns& v);
void encode(Writer& w, const ChordRouteQueryAns& v);

ChordUpdate decode_chord_update(Reader& r);
UpdateAns decode_update_ans(Reader& r);
ChordRouteQueryAns decode_chord_route_query_ans(Reader& r);

Expected<ChordUpdate, WireError> decode_chord_update(ByteView in);
Expected<UpdateAns, WireError> decode_update_ans(ByteView in);  // must be empty
Expected<ChordRouteQueryAns, WireError> decode_chord_route_query_ans(ByteView in);

}  // namespace p2psip::wire
