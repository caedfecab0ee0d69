#include "overlay/wire/bodies_misc.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {
auto dec_rq = [](ByteView b) { return decode_route_query_req(b); };
auto dec_ping = [](ByteView b) { return decode_ping_req(b); };
auto dec_pong = [](ByteView b) { return decode_ping_ans(b); };
auto dec_cfg = [](ByteView b) { return decode_config_update_req(b); };
auto dec_err = [](ByteView b) { return decode_error_response(b); };
}  // namespace

TEST_CASE("ErrorResponse: hand-written bytes") {
  ErrorResponse e = ErrorResponse::make(ErrorCode::kNotFound, "no such AoR");
  Bytes b = hex("0003"                          // error_code: Error_Not_Found
                "000b 6e6f207375636820416f52");  // error_info<0..2^16-1>: "no such AoR"
  CHECK(encoded(e) == b);
  auto got = decode_error_response(b);
  REQUIRE(got.has_value());
  CHECK(*got == e);
  CHECK(got->info_text() == "no such AoR");
  CHECK(std::string(error_code_name(got->error_code)) == "Not_Found");
  check_every_prefix_truncated(b, dec_err);
  check_trailing_byte_rejected(b, dec_err);
  // An unassigned code still decodes; the caller decides.
  auto odd = decode_error_response(hex("8001 0000"));
  REQUIRE(odd.has_value());
  CHECK(odd->error_code == 0x8001);
  CHECK(failure_of(dec_err(hex("0014 0005 6869"))) == DecodeFailure::kTruncated);
  ErrorResponse big{20, Bytes(kMaxErrorInfo + 1)};
  CHECK(encode_fails(big));
}

TEST_CASE("RouteQueryReq: bytes and negatives") {
  RouteQueryReq q{true, Destination::node(node(0x61)), {}};
  Bytes b = hex("01"                                   // send_update: true
                "01 10 61616161616161616161616161616161"  // Destination: node, length 16
                "0000");                               // overlay_specific_data
  CHECK(encoded(q) == b);
  check_round_trip(q, dec_rq);
  check_round_trip(RouteQueryReq{false, Destination::resource(ResourceId{hex("0102")}), hex("ff")},
                   dec_rq);
  check_every_prefix_truncated(b, dec_rq);
  check_trailing_byte_rejected(b, dec_rq);
  Bytes bad = b;
  bad[0] = std::byte{2};
  CHECK(failure_of(dec_rq(bad)) == DecodeFailure::kBadValue);
}

TEST_CASE("Ping: bytes and round trips") {
  check_round_trip(PingReq{}, dec_ping);
  check_round_trip(PingReq{Bytes(100)}, dec_ping);
  CHECK(encoded(PingReq{hex("0000")}) == hex("0002 0000"));
  check_every_prefix_truncated(hex("0002 0000"), dec_ping);
  PingAns p{0x0102030405060708ULL, 1700000000000ULL};
  Bytes b = hex("0102030405060708"    // response_id
                "0000018bcfe56800");  // time: 1700000000000 ms
  CHECK(encoded(p) == b);
  check_round_trip(p, dec_pong);
  check_every_prefix_truncated(b, dec_pong);
  check_trailing_byte_rejected(b, dec_pong);
}

TEST_CASE("ConfigUpdateReq: config and kind forms") {
  ConfigUpdateReq c{ConfigUpdateType::kConfig, to_bytes("<overlay/>"), {}};
  Bytes b = hex("01"                             // type: config
                "0000000d"                       // length: 13
                "00000a 3c6f7665726c61792f3e");  // config_data<0..2^24-1>
  CHECK(encoded(c) == b);
  check_round_trip(c, dec_cfg);
  check_every_prefix_truncated(b, dec_cfg);
  check_trailing_byte_rejected(b, dec_cfg);
  ConfigUpdateReq k{ConfigUpdateType::kKind, {}, {to_bytes("<kind/>"), to_bytes("x")}};
  Bytes kb = hex("02 0000000f"        // type kind, length 15
                 "00000c"             // kinds<0..2^24-1>: 12 bytes
                 "0007 3c6b696e642f3e"  // KindDescription "<kind/>"
                 "0001 78");           // KindDescription "x"
  CHECK(encoded(k) == kb);
  check_round_trip(k, dec_cfg);
  check_every_prefix_truncated(kb, dec_cfg);
  CHECK(failure_of(dec_cfg(hex("03 00000000"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_cfg(hex("00 00000000"))) == DecodeFailure::kBadValue);
  // length one past config_data: nested lengths must add up.
  CHECK(failure_of(dec_cfg(hex("01 00000004 000000 00"))) == DecodeFailure::kTrailingBytes);
  ConfigUpdateReq both{ConfigUpdateType::kConfig, hex("00"), {hex("00")}};
  CHECK(encode_fails(both));
  CHECK(encoded(ConfigUpdateAns{}).empty());
  CHECK(failure_of(decode_config_update_ans(hex("00"))) == DecodeFailure::kTrailingBytes);
}
