#include "overlay/wire/sip_registration.h"

#include <doctest/doctest.h>

#include "tests/unit/overlay/wire/bodies_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {
auto dec = [](ByteView b) { return decode_sip_registration(b); };

const Bytes kUriBytes = hex(
    "01"                                        // type: sip_registration_uri
    "0015"                                      // length: 21
    "0013 7369703a616c696365403139322e302e322e37");  // uri<0..2^16-1>: "sip:alice@192.0.2.7"

const Bytes kRouteBytes = hex(
    "02"                                        // type: sip_registration_route
    "001b"                                      // length: 27
    "0005 617564696f"                           // contact_prefs<0..2^16-1>: "audio"
    "0012"                                      // destination_list<3..2^16-1>: 18 bytes
    "01 10 61616161616161616161616161616161");  //   Destination: node, length 16, Node-ID
}  // namespace

TEST_CASE("SIP-REGISTRATION uri form: hand-written bytes") {
  SipRegistration want = SipRegistration::make_uri("sip:alice@192.0.2.7");
  CHECK(encoded(want) == kUriBytes);
  auto got = decode_sip_registration(kUriBytes);
  REQUIRE(got.has_value());
  CHECK(*got == want);
  CHECK(*encode_sip_registration(want) == kUriBytes);
  check_every_prefix_truncated(kUriBytes, dec);
  check_trailing_byte_rejected(kUriBytes, dec);
  CHECK(kSipRegistrationKindId == 1);
}

TEST_CASE("SIP-REGISTRATION route form: hand-written bytes") {
  SipRegistration want = SipRegistration::make_route("audio", {Destination::node(node(0x61))});
  CHECK(encoded(want) == kRouteBytes);
  auto got = decode_sip_registration(kRouteBytes);
  REQUIRE(got.has_value());
  CHECK(*got == want);
  check_every_prefix_truncated(kRouteBytes, dec);
  check_trailing_byte_rejected(kRouteBytes, dec);
}

TEST_CASE("SIP-REGISTRATION: round trips") {
  check_round_trip(SipRegistration::make_uri(""), dec);
  check_round_trip(SipRegistration::make_route(
                       "", {Destination::node(node(1)), Destination::node(node(2)),
                            Destination::resource(ResourceId{hex("0102")})}),
                   dec);
}

TEST_CASE("SIP-REGISTRATION: length and consistency rules") {
  SUBCASE("outer length one too long, with a spare byte: data must fill it exactly") {
    Bytes b = kUriBytes;
    b[2] = std::byte{0x16};
    b.push_back(std::byte{0});
    CHECK(failure_of(dec(b)) == DecodeFailure::kTrailingBytes);
  }
  SUBCASE("outer length too short for the uri") {
    Bytes b = kUriBytes;
    b[2] = std::byte{0x14};
    CHECK(failure_of(dec(b)) == DecodeFailure::kTruncated);
  }
  SUBCASE("destination_list shorter than 3 bytes") {
    Bytes b = hex("02 0006 0000 0002 8001");  // only a compressed 2-byte Destination
    CHECK(failure_of(dec(b)) == DecodeFailure::kBadValue);
    CHECK(failure_of(dec(hex("02 0004 0000 0000"))) == DecodeFailure::kBadValue);
    CHECK(encode_fails(SipRegistration::make_route("", {})));
    CHECK(encode_fails(SipRegistration::make_route("", {Destination::compressed(0x8001)})));
  }
  SUBCASE("destination_list cutting a Destination") {
    Bytes b = kRouteBytes;
    b[2] = std::byte{0x1a};
    b[11] = std::byte{0x11};  // list length 17 of an 18-byte Destination
    b.pop_back();
    CHECK(failure_of(dec(b)) == DecodeFailure::kTruncated);
  }
  SUBCASE("bad Destination type inside the list") {
    Bytes b = kRouteBytes;
    b[12] = std::byte{0x07};
    CHECK(failure_of(dec(b)) == DecodeFailure::kBadValue);
  }
  SUBCASE("unknown types are kept, with their data") {
    auto got = decode_sip_registration(hex("07 0002 abcd"));
    REQUIRE(got.has_value());
    CHECK_FALSE(got->is_known());
    CHECK(got->unknown_data == hex("abcd"));
    CHECK(encoded(*got) == hex("07 0002 abcd"));
  }
  SUBCASE("encoder refuses fields of the other form") {
    SipRegistration mixed = SipRegistration::make_uri("sip:a@b");
    mixed.contact_prefs.push_back('x');  // not = "x": GCC 12 -Wrestrict false positive
    CHECK(encode_fails(mixed));
    SipRegistration long_uri = SipRegistration::make_uri(std::string(0x10000, 'a'));
    CHECK(encode_fails(long_uri));
  }
}
