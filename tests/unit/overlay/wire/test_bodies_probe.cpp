#include "overlay/wire/bodies_probe.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {
auto dec_req = [](ByteView b) { return decode_probe_req(b); };
auto dec_ans = [](ByteView b) { return decode_probe_ans(b); };
}  // namespace

TEST_CASE("ProbeReq: bytes, round trip, invalid type") {
  ProbeReq r{{ProbeInformationType::kResponsibleSet, ProbeInformationType::kNumResources,
              ProbeInformationType::kUptime}};
  Bytes b = hex("03 01 02 03");  // requested_info<0..2^8-1>
  CHECK(encoded(r) == b);
  check_round_trip(r, dec_req);
  check_every_prefix_truncated(b, dec_req);
  check_trailing_byte_rejected(b, dec_req);
  CHECK(failure_of(dec_req(hex("02 01 00"))) == DecodeFailure::kBadValue);
  auto unknown = decode_probe_req(hex("01 09"));  // an unknown type is kept
  REQUIRE(unknown.has_value());
  CHECK(static_cast<int>(unknown->requested_info[0]) == 9);
}

TEST_CASE("ProbeAns: bytes, unknown types kept, wrong lengths rejected") {
  ProbeAns a;
  a.probe_info.push_back({ProbeInformationType::kResponsibleSet, 333333333, {}});
  a.probe_info.push_back({ProbeInformationType::kNumResources, 12, {}});
  a.probe_info.push_back({ProbeInformationType::kUptime, 86400, {}});
  Bytes b = hex("0012"                 // probe_info<0..2^16-1>: 18 bytes
                "01 04 13de4355"       // responsible_set, length 4, responsible_ppb
                "02 04 0000000c"       // num_resources: 12
                "03 04 00015180");     // uptime: 86400
  CHECK(encoded(a) == b);
  auto got = decode_probe_ans(b);
  REQUIRE(got.has_value());
  CHECK(*got == a);
  check_every_prefix_truncated(b, dec_ans);
  check_trailing_byte_rejected(b, dec_ans);

  auto unknown = decode_probe_ans(hex("0005 04 03 aabbcc"));  // exp-probe, 3 bytes
  REQUIRE(unknown.has_value());
  CHECK_FALSE(unknown->probe_info[0].is_known());
  CHECK(unknown->probe_info[0].raw_value == hex("aabbcc"));
  check_round_trip(*unknown, dec_ans);

  CHECK(failure_of(dec_ans(hex("0005 03 03 000001"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_ans(hex("0006 00 04 00000001"))) == DecodeFailure::kBadValue);
  CHECK(failure_of(dec_ans(hex("0006 03 05 00000001"))) == DecodeFailure::kTruncated);
  ProbeInformation mixed{ProbeInformationType::kUptime, 1, hex("00")};
  CHECK(encode_fails(ProbeAns{{mixed}}));
}
