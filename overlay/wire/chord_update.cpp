#include "overlay/wire/chord_update.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

void encode_nodes(Writer& w, const std::vector<NodeId>& nodes, std::size_t cap) {
  encode_list(w, 2, 0xffff, cap, nodes, [](Writer& x, const NodeId& n) { encode(x, n); });
}

std::vector<NodeId> decode_nodes(Reader& r, std::size_t cap, const char* what) {
  return decode_list<NodeId>(r, 2, 0xffff, cap, what, decode_node_id);
}

}  // namespace

void encode(Writer& w, const ChordUpdate& v) {
  w.u32(v.uptime);
  w.u8(static_cast<std::uint8_t>(v.type));
  switch (v.type) {
    case ChordUpdateType::kPeerReady:
      if (!v.predecessors.empty() || !v.successors.empty() || !v.fingers.empty()) w.fail();
      return;
    case ChordUpdateType::kNeighbors:
      if (!v.fingers.empty()) w.fail();
      encode_nodes(w, v.predecessors, kMaxChordNeighbors);
      encode_nodes(w, v.successors, kMaxChordNeighbors);
      return;
    case ChordUpdateType::kFull:
      encode_nodes(w, v.predecessors, kMaxChordNeighbors);
      encode_nodes(w, v.successors, kMaxChordNeighbors);
      encode_nodes(w, v.fingers, kMaxChordFingers);
      return;
  }
  w.fail();
}

void encode(Writer&, const UpdateAns&) {}

void encode(Writer& w, const ChordRouteQueryAns& v) { encode(w, v.next_peer); }

ChordUpdate decode_chord_update(Reader& r) {
  ChordUpdate v;
  v.uptime = r.u32("ChordUpdate.uptime");
  std::uint8_t type = r.u8("ChordUpdate.type");
  if (!r.ok()) return v;
  if (type < 1 || type > 3) {
    r.fail(DecodeFailure::kBadValue, "ChordUpdate.type");
    return v;
  }
  v.type = static_cast<ChordUpdateType>(type);
  if (v.type == ChordUpdateType::kPeerReady) return v;
  v.predecessors = decode_nodes(r, kMaxChordNeighbors, "ChordUpdate.predecessors");
  v.successors = decode_nodes(r, kMaxChordNeighbors, "ChordUpdate.successors");
  if (v.type == ChordUpdateType::kFull) {
    v.fingers = decode_nodes(r, kMaxChordFingers, "ChordUpdate.fingers");
  }
  return v;
}

UpdateAns decode_update_ans(Reader&) { return {}; }

ChordRouteQueryAns decode_chord_route_query_ans(Reader& r) {
  return ChordRouteQueryAns{decode_node_id(r)};
}

Expected<ChordUpdate, WireError> decode_chord_update(ByteView in) {
  return decode_whole<ChordUpdate>(
      in, [](Reader& r) { return decode_chord_update(r); }, "ChordUpdate");
}
Expected<UpdateAns, WireError> decode_update_ans(ByteView in) {
  return decode_whole<UpdateAns>(in, [](Reader& r) { return decode_update_ans(r); },
                                 "UpdateAns");
}
Expected<ChordRouteQueryAns, WireError> decode_chord_route_query_ans(ByteView in) {
  return decode_whole<ChordRouteQueryAns>(
      in, [](Reader& r) { return decode_chord_route_query_ans(r); }, "ChordRouteQueryAns");
}

}  // namespace p2psip::wire
