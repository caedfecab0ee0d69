#pragma once
// RELOAD message codes (RFC 6940 §14.8) and error codes (§14.9), with their names.
// Every number here was checked against the IANA tables in §14.8 / §14.9.
//
// A request code is odd and its answer is the next code up (§6.3.3.1); 0xffff is the error
// answer to any request, whose body is an ErrorResponse (bodies_misc.h).

#include <cstdint>
#include <optional>

namespace p2psip::wire {

enum class MessageCode : std::uint16_t {
  kInvalid = 0x0000,
  kProbeReq = 0x0001,
  kProbeAns = 0x0002,
  kAttachReq = 0x0003,
  kAttachAns = 0x0004,
  // 0x05, 0x06 unassigned
  kStoreReq = 0x0007,
  kStoreAns = 0x0008,
  kFetchReq = 0x0009,
  kFetchAns = 0x000a,
  // 0x0b, 0x0c unassigned (were remove_req / remove_ans)
  kFindReq = 0x000d,
  kFindAns = 0x000e,
  kJoinReq = 0x000f,
  kJoinAns = 0x0010,
  kLeaveReq = 0x0011,
  kLeaveAns = 0x0012,
  kUpdateReq = 0x0013,
  kUpdateAns = 0x0014,
  kRouteQueryReq = 0x0015,
  kRouteQueryAns = 0x0016,
  kPingReq = 0x0017,
  kPingAns = 0x0018,
  kStatReq = 0x0019,
  kStatAns = 0x001a,
  // 0x1b, 0x1c unassigned (were attachlite_req / attachlite_ans)
  kAppAttachReq = 0x001d,
  kAppAttachAns = 0x001e,
  // 0x1f, 0x20 unassigned (were app_attachlite_req / app_attachlite_ans)
  kConfigUpdateReq = 0x0021,
  kConfigUpdateAns = 0x0022,
  kExpAReq = 0x0023,  // experimentation only, never in operational deployments
  kExpAAns = 0x0024,
  kExpBReq = 0x0025,
  kExpBAns = 0x0026,
  // 0x8000..0xfffe reserved
  kError = 0xffff,
};

// §14.9. 0x0 is invalidErrorCode, 0x1 is unassigned, 0x8000..0xfffe reserved.
enum class ErrorCode : std::uint16_t {
  kForbidden = 0x02,
  kNotFound = 0x03,
  kRequestTimeout = 0x04,
  kGenerationCounterTooLow = 0x05,
  kIncompatibleWithOverlay = 0x06,
  kUnsupportedForwardingOption = 0x07,
  kDataTooLarge = 0x08,
  kDataTooOld = 0x09,
  kTtlExceeded = 0x0a,
  kMessageTooLarge = 0x0b,
  kUnknownKind = 0x0c,
  kUnknownExtension = 0x0d,
  kResponseTooLarge = 0x0e,
  kConfigTooOld = 0x0f,
  kConfigTooNew = 0x10,
  kInProgress = 0x11,
  kExpA = 0x12,
  kExpB = 0x13,
  kInvalidMessage = 0x14,
};

constexpr std::uint16_t to_u16(MessageCode c) { return static_cast<std::uint16_t>(c); }
constexpr std::uint16_t to_u16(ErrorCode c) { return static_cast<std::uint16_t>(c); }

// The RFC token without its suffix ("probe_req", "error"); nullptr for an unassigned value.
constexpr const char* message_code_name(MessageCode c) {
  switch (c) {
    case MessageCode::kInvalid: return "invalidMessageCode";
    case MessageCode::kProbeReq: return "probe_req";
    case MessageCode::kProbeAns: return "probe_ans";
    case MessageCode::kAttachReq: return "attach_req";
    case MessageCode::kAttachAns: return "attach_ans";
    case MessageCode::kStoreReq: return "store_req";
    case MessageCode::kStoreAns: return "store_ans";
    case MessageCode::kFetchReq: return "fetch_req";
    case MessageCode::kFetchAns: return "fetch_ans";
    case MessageCode::kFindReq: return "find_req";
    case MessageCode::kFindAns: return "find_ans";
    case MessageCode::kJoinReq: return "join_req";
    case MessageCode::kJoinAns: return "join_ans";
    case MessageCode::kLeaveReq: return "leave_req";
    case MessageCode::kLeaveAns: return "leave_ans";
    case MessageCode::kUpdateReq: return "update_req";
    case MessageCode::kUpdateAns: return "update_ans";
    case MessageCode::kRouteQueryReq: return "route_query_req";
    case MessageCode::kRouteQueryAns: return "route_query_ans";
    case MessageCode::kPingReq: return "ping_req";
    case MessageCode::kPingAns: return "ping_ans";
    case MessageCode::kStatReq: return "stat_req";
    case MessageCode::kStatAns: return "stat_ans";
    case MessageCode::kAppAttachReq: return "app_attach_req";
    case MessageCode::kAppAttachAns: return "app_attach_ans";
    case MessageCode::kConfigUpdateReq: return "config_update_req";
    case MessageCode::kConfigUpdateAns: return "config_update_ans";
    case MessageCode::kExpAReq: return "exp_a_req";
    case MessageCode::kExpAAns: return "exp_a_ans";
    case MessageCode::kExpBReq: return "exp_b_req";
    case MessageCode::kExpBAns: return "exp_b_ans";
    case MessageCode::kError: return "error";
  }
  return nullptr;
}

// True for every code §14.8 assigns (including the experimental ones and error).
constexpr bool is_assigned(MessageCode c) {
  return c != MessageCode::kInvalid && message_code_name(c) != nullptr;
}

// Requests are the odd assigned codes below 0x8000; the answer is the next code up.
constexpr bool is_request(MessageCode c) {
  return is_assigned(c) && c != MessageCode::kError && (to_u16(c) & 1) == 1;
}
constexpr bool is_answer(MessageCode c) {
  return is_assigned(c) && (c == MessageCode::kError || (to_u16(c) & 1) == 0);
}
constexpr std::optional<MessageCode> answer_code(MessageCode request) {
  if (!is_request(request)) return std::nullopt;
  return static_cast<MessageCode>(to_u16(request) + 1);
}

// The §14.9 name without its "Error_" prefix ("Forbidden", "Not_Found", ...); nullptr for a
// value §14.9 does not assign (0, 1, reserved, or unknown).
constexpr const char* error_code_name(std::uint16_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kNotFound: return "Not_Found";
    case ErrorCode::kRequestTimeout: return "Request_Timeout";
    case ErrorCode::kGenerationCounterTooLow: return "Generation_Counter_Too_Low";
    case ErrorCode::kIncompatibleWithOverlay: return "Incompatible_with_Overlay";
    case ErrorCode::kUnsupportedForwardingOption: return "Unsupported_Forwarding_Option";
    case ErrorCode::kDataTooLarge: return "Data_Too_Large";
    case ErrorCode::kDataTooOld: return "Data_Too_Old";
    case ErrorCode::kTtlExceeded: return "TTL_Exceeded";
    case ErrorCode::kMessageTooLarge: return "Message_Too_Large";
    case ErrorCode::kUnknownKind: return "Unknown_Kind";
    case ErrorCode::kUnknownExtension: return "Unknown_Extension";
    case ErrorCode::kResponseTooLarge: return "Response_Too_Large";
    case ErrorCode::kConfigTooOld: return "Config_Too_Old";
    case ErrorCode::kConfigTooNew: return "Config_Too_New";
    case ErrorCode::kInProgress: return "In_Progress";
    case ErrorCode::kExpA: return "Exp_A";
    case ErrorCode::kExpB: return "Exp_B";
    case ErrorCode::kInvalidMessage: return "Invalid_Message";
  }
  return nullptr;
}
constexpr const char* error_code_name(ErrorCode c) { return error_code_name(to_u16(c)); }

}  // namespace p2psip::wire
