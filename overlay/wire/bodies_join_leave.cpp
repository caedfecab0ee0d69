#include "overlay/wire/bodies_join_leave.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

void encode(Writer& w, const JoinReq& v) {
  encode(w, v.joining_peer_id);
  w.opaque(2, kMaxOverlaySpecificData, v.overlay_specific_data);
}

void encode(Writer& w, const JoinAns& v) {
  w.opaque(2, kMaxOverlaySpecificData, v.overlay_specific_data);
}

void encode(Writer& w, const LeaveReq& v) {
  encode(w, v.leaving_peer_id);
  w.opaque(2, kMaxOverlaySpecificData, v.overlay_specific_data);
}

void encode(Writer&, const LeaveAns&) {}

void encode(Writer& w, const ChordLeaveData& v) {
  if (v.type != ChordLeaveType::kFromSucc && v.type != ChordLeaveType::kFromPred) w.fail();
  w.u8(static_cast<std::uint8_t>(v.type));
  encode_list(w, 2, 0xffff, kMaxChordNeighbors, v.nodes,
              [](Writer& x, const NodeId& n) { encode(x, n); });
}

JoinReq decode_join_req(Reader& r) {
  JoinReq v;
  v.joining_peer_id = decode_node_id(r);
  v.overlay_specific_data = r.opaque(2, kMaxOverlaySpecificData, "JoinReq.overlay_specific_data");
  return v;
}

JoinAns decode_join_ans(Reader& r) {
  return JoinAns{r.opaque(2, kMaxOverlaySpecificData, "JoinAns.overlay_specific_data")};
}

LeaveReq decode_leave_req(Reader& r) {
  LeaveReq v;
  v.leaving_peer_id = decode_node_id(r);
  v.overlay_specific_data = r.opaque(2, kMaxOverlaySpecificData, "LeaveReq.overlay_specific_data");
  return v;
}

LeaveAns decode_leave_ans(Reader&) { return {}; }

ChordLeaveData decode_chord_leave_data(Reader& r) {
  ChordLeaveData v;
  std::uint8_t type = r.u8("ChordLeaveData.type");
  if (r.ok() && type != 1 && type != 2) r.fail(DecodeFailure::kBadValue, "ChordLeaveData.type");
  v.type = static_cast<ChordLeaveType>(type);
  v.nodes = decode_list<NodeId>(r, 2, 0xffff, kMaxChordNeighbors, "ChordLeaveData.nodes",
                                decode_node_id);
  return v;
}

Expected<JoinReq, WireError> decode_join_req(ByteView in) {
  return decode_whole<JoinReq>(in, [](Reader& r) { return decode_join_req(r); }, "JoinReq");
}
Expected<JoinAns, WireError> decode_join_ans(ByteView in) {
  return decode_whole<JoinAns>(in, [](Reader& r) { return decode_join_ans(r); }, "JoinAns");
}
Expected<LeaveReq, WireError> decode_leave_req(ByteView in) {
  return decode_whole<LeaveReq>(in, [](Reader& r) { return decode_leave_req(r); }, "LeaveReq");
}
Expected<LeaveAns, WireError> decode_leave_ans(ByteView in) {
  return decode_whole<LeaveAns>(in, [](Reader& r) { return decode_leave_ans(r); }, "LeaveAns");
}
Expected<ChordLeaveData, WireError> decode_chord_leave_data(ByteView in) {
  return decode_whole<ChordLeaveData>(
      in, [](Reader& r) { return decode_chord_leave_data(r); }, "ChordLeaveData");
}

LeaveReq make_chord_leave_req(const NodeId& leaving, const ChordLeaveData& data) {
  Writer w;
  encode(w, data);
  return LeaveReq{leaving, std::move(w).take()};
}

}  // namespace p2psip::wire
