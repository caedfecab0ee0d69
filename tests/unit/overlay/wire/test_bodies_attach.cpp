#include "overlay/wire/bodies_attach.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

auto decode_attach = [](ByteView b) { return decode_attach_req_ans(b); };
auto decode_app = [](ByteView b) { return decode_app_attach(b); };

// The hand-written AttachReqAns below, as a struct.
AttachReqAns sample_attach() {
  AttachReqAns a;
  a.ufrag = "uf";
  a.password = "pw12";
  a.role = "passive";
  IceCandidate host;
  host.addr_port = ipv4(192, 0, 2, 1, 6084);
  host.overlay_link = OverlayLinkType::kTlsTcpFhNoIce;
  host.foundation = "1";
  host.priority = 0x7e0000ff;
  host.type = CandType::kHost;
  IceCandidate srflx;
  srflx.addr_port = ipv4(203, 0, 113, 5, 6084);
  srflx.overlay_link = OverlayLinkType::kTlsTcpFhNoIce;
  srflx.foundation = "2";
  srflx.priority = 0x640000ff;
  srflx.type = CandType::kSrflx;
  srflx.rel_addr_port = ipv4(192, 0, 2, 1, 6084);
  srflx.extensions.push_back({to_bytes("foo"), to_bytes("bar")});
  a.candidates = {host, srflx};
  a.send_update = true;
  return a;
}

const Bytes kHostCandidate = hex(
    "01 06 c0000201 17c4"  // addr_port: ipv4, length 6, 192.0.2.1, port 6084
    "04"                   // overlay_link: TLS-TCP-FH-NO-ICE
    "01 31"                // foundation<0..255>: "1"
    "7e0000ff"             // priority
    "01"                   // type: host (no rel_addr_port)
    "0000");               // extensions<0..2^16-1>: none
const Bytes kSrflxCandidate = hex(
    "01 06 cb007105 17c4"  // addr_port: ipv4, 203.0.113.5:6084
    "04"                   // overlay_link
    "01 32"                // foundation: "2"
    "640000ff"             // priority
    "02"                   // type: srflx
    "01 06 c0000201 17c4"  // rel_addr_port: 192.0.2.1:6084
    "000a"                 // extensions length 10
    "0003 666f6f"          //   IceExtension.name<0..2^16-1>: "foo"
    "0003 626172");        //   IceExtension.value<0..2^16-1>: "bar"

Bytes attach_bytes() {
  return cat({hex("02 7566"),               // ufrag<0..2^8-1>: "uf"
              hex("04 70773132"),           // password: "pw12"
              hex("07 70617373697665"),     // role: "passive"
              hex("0036"),                  // candidates<0..2^16-1>: 18 + 36 bytes
              kHostCandidate, kSrflxCandidate,
              hex("01")});                  // send_update: true
}

}  // namespace

TEST_CASE("AttachReqAns: hand-written bytes decode and encode") {
  Bytes b = attach_bytes();
  auto got = decode_attach_req_ans(b);
  REQUIRE(got.has_value());
  CHECK(*got == sample_attach());
  CHECK(encoded(sample_attach()) == b);
}

TEST_CASE("AttachReqAns: round trips") {
  check_round_trip(sample_attach(), decode_attach);
  check_round_trip(AttachReqAns{}, decode_attach);
  AttachReqAns v6 = sample_attach();
  IceCandidate relay;
  relay.addr_port.type = AddressType::kIpv6;
  relay.addr_port.addr[0] = std::byte{0x20};
  relay.addr_port.addr[1] = std::byte{0x01};
  relay.addr_port.addr[15] = std::byte{0x09};
  relay.addr_port.port = 3478;
  relay.type = CandType::kRelay;
  relay.rel_addr_port = ipv4(10, 0, 0, 1, 40000);
  relay.overlay_link = OverlayLinkType::kDtlsUdpSr;
  v6.candidates.push_back(relay);
  check_round_trip(v6, decode_attach);
}

TEST_CASE("AttachReqAns: truncation, trailing bytes, inconsistent lengths") {
  check_every_prefix_truncated(attach_bytes(), decode_attach);
  check_trailing_byte_rejected(attach_bytes(), decode_attach);
  // candidates length one byte short: the srflx candidate's last byte falls outside it.
  Bytes b = attach_bytes();
  b[17] = std::byte{0x35};
  CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kTruncated);
  // candidates length one byte long: eats send_update, then send_update is missing.
  b[17] = std::byte{0x37};
  CHECK_FALSE(decode_attach_req_ans(b).has_value());
}

TEST_CASE("AttachReqAns: bad enum values") {
  const std::size_t host_at = 18;  // first candidate starts after the fixed fields
  SUBCASE("CandType RESERVED(3) and invalid(0)") {
    for (std::uint8_t t : {0, 3, 5, 255}) {
      Bytes b = attach_bytes();
      b[host_at + 15] = std::byte{t};
      CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kBadValue);
    }
  }
  SUBCASE("overlay_link invalid(0) is rejected, an unassigned one is kept") {
    Bytes b = attach_bytes();
    b[host_at + 8] = std::byte{0};
    CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kBadValue);
    b[host_at + 8] = std::byte{7};
    auto got = decode_attach_req_ans(b);
    REQUIRE(got.has_value());
    CHECK(static_cast<int>(got->candidates[0].overlay_link) == 7);
  }
  SUBCASE("send_update must be a Boolean") {
    Bytes b = attach_bytes();
    b.back() = std::byte{2};
    CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kBadValue);
  }
  SUBCASE("address type") {
    Bytes b = attach_bytes();
    b[host_at] = std::byte{3};
    CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kBadValue);
  }
  SUBCASE("encoder refuses what the decoder would reject") {
    AttachReqAns a = sample_attach();
    a.candidates[0].type = static_cast<CandType>(3);
    CHECK(encode_fails(a));
    a = sample_attach();
    a.candidates[0].overlay_link = OverlayLinkType::kInvalid;
    CHECK(encode_fails(a));
    a = sample_attach();
    a.ufrag = std::string(256, 'u');
    CHECK(encode_fails(a));
  }
}

TEST_CASE("AttachReqAns: candidate count cap") {
  AttachReqAns a;
  IceCandidate c;
  c.addr_port = ipv4(192, 0, 2, 1, 6084);
  a.candidates.assign(kMaxCandidates, c);
  check_round_trip(a, decode_attach);
  a.candidates.push_back(c);
  CHECK(encode_fails(a));
  // Build the over-cap body by hand (the encoder refuses it).
  Bytes list;
  for (std::size_t i = 0; i <= kMaxCandidates; ++i) {
    list.insert(list.end(), kHostCandidate.begin(), kHostCandidate.end());
  }
  Bytes b = cat({hex("00 00 00"), hex("0492"), list, hex("00")});  // 65 * 18 = 0x492
  CHECK(failure_of(decode_attach_req_ans(b)) == DecodeFailure::kTooLarge);
}

TEST_CASE("AppAttachReq/Ans: hand-written bytes and round trip") {
  AppAttachReqAns a;
  a.ufrag = "uf";
  a.password = "pw";
  a.application = 5060;
  a.role = "active";
  IceCandidate host;
  host.addr_port = ipv4(192, 0, 2, 1, 6084);
  host.foundation = "1";
  host.priority = 0x7e0000ff;
  a.candidates = {host};
  Bytes b = cat({hex("02 7566"),          // ufrag
                 hex("02 7077"),          // password
                 hex("13c4"),             // application: 5060 (SIP)
                 hex("06 616374697665"),  // role: "active"
                 hex("0012"),             // candidates: 18 bytes
                 kHostCandidate});
  auto got = decode_app_attach(b);
  REQUIRE(got.has_value());
  CHECK(*got == a);
  CHECK(encoded(a) == b);
  check_round_trip(a, decode_app);
  check_every_prefix_truncated(b, decode_app);
  check_trailing_byte_rejected(b, decode_app);
}
