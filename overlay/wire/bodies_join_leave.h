#pragma once
// RFC 6940 §6.4.2.1 Join, §6.4.2.2 Leave, and the CHORD-RELOAD leave data (§10.9) carried in
// LeaveReq.overlay_specific_data. Codec convention: see ids.h.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxOverlaySpecificData = 0xffff;  // opaque<0..2^16-1>
// successors / predecessors<0..2^16-1> of Node-IDs in Chord messages.
inline constexpr std::size_t kMaxChordNeighbors = 64;

// struct { NodeId joining_peer_id; opaque overlay_specific_data<0..2^16-1>; } JoinReq;
struct JoinReq {
  NodeId joining_peer_id;
  Bytes overlay_specific_data;  // empty for CHORD-RELOAD
  friend bool operator==(const JoinReq&, const JoinReq&) = default;
};

// struct { opaque overlay_specific_data<0..2^16-1>; } JoinAns;
struct JoinAns {
  Bytes overlay_specific_data;
  friend bool operator==(const JoinAns&, const JoinAns&) = default;
};

// struct { NodeId leaving_peer_id; opaque overlay_specific_data<0..2^16-1>; } LeaveReq;
struct LeaveReq {
  NodeId leaving_peer_id;
  Bytes overlay_specific_data;  // a ChordLeaveData for CHORD-RELOAD
  friend bool operator==(const LeaveReq&, const LeaveReq&) = default;
};

// "LeaveAns is an empty message." (§6.4.2.2)
struct LeaveAns {
  friend bool operator==(const LeaveAns&, const LeaveAns&) = default;
};

// enum { invalidChordLeaveType(0), from_succ(1), from_pred(2), (255) } ChordLeaveType;
enum class ChordLeaveType : std::uint8_t { kFromSucc = 1, kFromPred = 2 };

// struct { ChordLeaveType type; select (type) { case from_succ: NodeId successors<0..2^16-1>;
//          case from_pred: NodeId predecessors<0..2^16-1>; }; } ChordLeaveData;
// from_succ: sent to the predecessor, listing the leaving peer's successors; from_pred: sent
// to the successor, listing its predecessors.
struct ChordLeaveData {
  ChordLeaveType type = ChordLeaveType::kFromSucc;
  std::vector<NodeId> nodes;  // successors (from_succ) or predecessors (from_pred)
  friend bool operator==(const ChordLeaveData&, const ChordLeaveData&) = default;
};

void encode(Writer& w, const JoinReq& v);
void encode(Writer& w, const JoinAns& v);
void encode(Writer& w, const LeaveReq& v);
void encode(Writer& w, const LeaveAns& v);
void encode(Writer& w, const ChordLeaveData& v);

JoinReq decode_join_req(Reader& r);
JoinAns decode_join_ans(Reader& r);
LeaveReq decode_leave_req(Reader& r);
LeaveAns decode_leave_ans(Reader& r);
ChordLeaveData decode_chord_leave_data(Reader& r);

Expected<JoinReq, WireError> decode_join_req(ByteView in);
Expected<JoinAns, WireError> decode_join_ans(ByteView in);
Expected<LeaveReq, WireError> decode_leave_req(ByteView in);
Expected<LeaveAns, WireError> decode_leave_ans(ByteView in);  // must be empty
Expected<ChordLeaveData, WireError> decode_chord_leave_data(ByteView in);

// A LeaveReq whose overlay_specific_data is the encoded ChordLeaveData.
LeaveReq make_chord_leave_req(const NodeId& leaving, const ChordLeaveData& data);

}  // namespace p2psip::wire
