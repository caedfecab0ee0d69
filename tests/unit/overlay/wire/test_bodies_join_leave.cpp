#include "overlay/wire/bodies_join_leave.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {
auto dec_join = [](ByteView b) { return decode_join_req(b); };
auto dec_join_ans = [](ByteView b) { return decode_join_ans(b); };
auto dec_leave = [](ByteView b) { return decode_leave_req(b); };
auto dec_leave_ans = [](ByteView b) { return decode_leave_ans(b); };
auto dec_chord_leave = [](ByteView b) { return decode_chord_leave_data(b); };
}  // namespace

TEST_CASE("JoinReq/JoinAns: bytes and round trips") {
  JoinReq j{node(0x42), {}};
  Bytes b = hex("42424242424242424242424242424242"  // joining_peer_id
                "0000");                            // overlay_specific_data: empty (Chord)
  CHECK(encoded(j) == b);
  check_round_trip(j, dec_join);
  check_round_trip(JoinReq{node(1), hex("0102")}, dec_join);
  check_every_prefix_truncated(b, dec_join);
  check_trailing_byte_rejected(b, dec_join);
  check_round_trip(JoinAns{hex("abcd")}, dec_join_ans);
  CHECK(encoded(JoinAns{}) == hex("0000"));
  check_every_prefix_truncated(hex("0002 abcd"), dec_join_ans);
}

TEST_CASE("LeaveReq with CHORD-RELOAD from_succ data") {
  ChordLeaveData d{ChordLeaveType::kFromSucc, {node(0x51), node(0x52), node(0x53)}};
  LeaveReq req = make_chord_leave_req(node(0x50), d);
  Bytes b = cat({hex("50505050505050505050505050505050"),  // leaving_peer_id
                 hex("0033"),                              // overlay_specific_data: 51 bytes
                 hex("01"),                                //   ChordLeaveType from_succ
                 hex("0030"),                              //   successors: 3 Node-IDs
                 hex("51515151515151515151515151515151"),
                 hex("52525252525252525252525252525252"),
                 hex("53535353535353535353535353535353")});
  CHECK(encoded(req) == b);
  auto got = decode_leave_req(b);
  REQUIRE(got.has_value());
  CHECK(*got == req);
  auto inner = decode_chord_leave_data(got->overlay_specific_data);
  REQUIRE(inner.has_value());
  CHECK(*inner == d);
  check_every_prefix_truncated(b, dec_leave);
  check_trailing_byte_rejected(b, dec_leave);
  check_every_prefix_truncated(got->overlay_specific_data, dec_chord_leave);
}

TEST_CASE("ChordLeaveData: from_pred, bad type, ragged list, cap") {
  check_round_trip(ChordLeaveData{ChordLeaveType::kFromPred, {node(9)}}, dec_chord_leave);
  check_round_trip(ChordLeaveData{ChordLeaveType::kFromPred, {}}, dec_chord_leave);
  CHECK(failure_of(dec_chord_leave(hex("00 0000"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_chord_leave(hex("03 0000"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_chord_leave(hex("01 0001 00"))) == DecodeFailure::kTruncated);
  check_trailing_byte_rejected(hex("02 0000"), dec_chord_leave);
  ChordLeaveData big{ChordLeaveType::kFromSucc, std::vector<NodeId>(kMaxChordNeighbors + 1)};
  CHECK(encode_fails(big));
  Bytes over = hex("01");
  Bytes len = hex("0410");  // (64 + 1) * 16 = 1040
  over.insert(over.end(), len.begin(), len.end());
  over.resize(over.size() + 16 * (kMaxChordNeighbors + 1));
  CHECK(failure_of(dec_chord_leave(over)) == DecodeFailure::kTooLarge);
}

TEST_CASE("LeaveAns is empty") {
  CHECK(encoded(LeaveAns{}).empty());
  CHECK(decode_leave_ans(ByteView{}).has_value());
  CHECK(failure_of(dec_leave_ans(hex("00"))) == DecodeFailure::kTrailingBytes);
}
