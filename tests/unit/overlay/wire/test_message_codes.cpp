#include "overlay/wire/message_codes.h"

#include <doctest/doctest.h>

#include <string>

using namespace p2psip::wire;

TEST_CASE("message codes match RFC 6940 §14.8") {
  CHECK(to_u16(MessageCode::kProbeReq) == 0x01);
  CHECK(to_u16(MessageCode::kProbeAns) == 0x02);
  CHECK(to_u16(MessageCode::kAttachReq) == 0x03);
  CHECK(to_u16(MessageCode::kAttachAns) == 0x04);
  CHECK(to_u16(MessageCode::kStoreReq) == 0x07);
  CHECK(to_u16(MessageCode::kStoreAns) == 0x08);
  CHECK(to_u16(MessageCode::kFetchReq) == 0x09);
  CHECK(to_u16(MessageCode::kFetchAns) == 0x0a);
  CHECK(to_u16(MessageCode::kFindReq) == 0x0d);
  CHECK(to_u16(MessageCode::kFindAns) == 0x0e);
  CHECK(to_u16(MessageCode::kJoinReq) == 0x0f);
  CHECK(to_u16(MessageCode::kJoinAns) == 0x10);
  CHECK(to_u16(MessageCode::kLeaveReq) == 0x11);
  CHECK(to_u16(MessageCode::kLeaveAns) == 0x12);
  CHECK(to_u16(MessageCode::kUpdateReq) == 0x13);
  CHECK(to_u16(MessageCode::kUpdateAns) == 0x14);
  CHECK(to_u16(MessageCode::kRouteQueryReq) == 0x15);
  CHECK(to_u16(MessageCode::kRouteQueryAns) == 0x16);
  CHECK(to_u16(MessageCode::kPingReq) == 0x17);
  CHECK(to_u16(MessageCode::kPingAns) == 0x18);
  CHECK(to_u16(MessageCode::kStatReq) == 0x19);
  CHECK(to_u16(MessageCode::kStatAns) == 0x1a);
  CHECK(to_u16(MessageCode::kAppAttachReq) == 0x1d);
  CHECK(to_u16(MessageCode::kAppAttachAns) == 0x1e);
  CHECK(to_u16(MessageCode::kConfigUpdateReq) == 0x21);
  CHECK(to_u16(MessageCode::kConfigUpdateAns) == 0x22);
  CHECK(to_u16(MessageCode::kError) == 0xffff);
}

TEST_CASE("request/answer pairing") {
  CHECK(is_request(MessageCode::kStoreReq));
  CHECK_FALSE(is_request(MessageCode::kStoreAns));
  CHECK_FALSE(is_request(MessageCode::kError));
  CHECK(is_answer(MessageCode::kError));
  CHECK(*answer_code(MessageCode::kFetchReq) == MessageCode::kFetchAns);
  CHECK(*answer_code(MessageCode::kConfigUpdateReq) == MessageCode::kConfigUpdateAns);
  CHECK_FALSE(answer_code(MessageCode::kFetchAns).has_value());
  CHECK_FALSE(is_assigned(static_cast<MessageCode>(0x05)));
  CHECK_FALSE(is_assigned(static_cast<MessageCode>(0x0b)));
  CHECK_FALSE(is_assigned(static_cast<MessageCode>(0x1b)));
  CHECK_FALSE(is_assigned(MessageCode::kInvalid));
  CHECK(std::string(message_code_name(MessageCode::kRouteQueryReq)) == "route_query_req");
}

TEST_CASE("error codes match RFC 6940 §14.9") {
  CHECK(to_u16(ErrorCode::kForbidden) == 2);
  CHECK(to_u16(ErrorCode::kNotFound) == 3);
  CHECK(to_u16(ErrorCode::kRequestTimeout) == 4);
  CHECK(to_u16(ErrorCode::kGenerationCounterTooLow) == 5);
  CHECK(to_u16(ErrorCode::kIncompatibleWithOverlay) == 6);
  CHECK(to_u16(ErrorCode::kUnsupportedForwardingOption) == 7);
  CHECK(to_u16(ErrorCode::kDataTooLarge) == 8);
  CHECK(to_u16(ErrorCode::kDataTooOld) == 9);
  CHECK(to_u16(ErrorCode::kTtlExceeded) == 10);
  CHECK(to_u16(ErrorCode::kMessageTooLarge) == 11);
  CHECK(to_u16(ErrorCode::kUnknownKind) == 12);
  CHECK(to_u16(ErrorCode::kUnknownExtension) == 13);
  CHECK(to_u16(ErrorCode::kResponseTooLarge) == 14);
  CHECK(to_u16(ErrorCode::kConfigTooOld) == 15);
  CHECK(to_u16(ErrorCode::kConfigTooNew) == 16);
  CHECK(to_u16(ErrorCode::kInProgress) == 17);
  CHECK(to_u16(ErrorCode::kExpA) == 18);
  CHECK(to_u16(ErrorCode::kExpB) == 19);
  CHECK(to_u16(ErrorCode::kInvalidMessage) == 20);
  CHECK(std::string(error_code_name(ErrorCode::kForbidden)) == "Forbidden");
  CHECK(std::string(error_code_name(ErrorCode::kInvalidMessage)) == "Invalid_Message");
  CHECK(error_code_name(std::uint16_t{0}) == nullptr);
  CHECK(error_code_name(std::uint16_t{1}) == nullptr);
  CHECK(error_code_name(std::uint16_t{0x8000}) == nullptr);
}
