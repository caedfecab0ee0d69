#pragma once
// The remaining RFC 6940 bodies: RouteQueryReq (§6.4.2.4.1), Ping (§6.5.3), ConfigUpdate
// (§6.5.4) and ErrorResponse (§6.3.3.1). Codec convention: see ids.h.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxPingPadding = 0xffff;          // padding<0..2^16-1>
inline constexpr std::size_t kMaxConfigData = 0xffffff;         // config_data<0..2^24-1>
inline constexpr std::size_t kMaxKindDescriptionLength = 0xffff;  // KindDescription<0..2^16-1>
inline constexpr std::size_t kMaxKindDescriptions = 256;
inline constexpr std::size_t kMaxErrorInfo = 0xffff;            // error_info<0..2^16-1>

// struct { Boolean send_update; Destination destination;
//          opaque overlay_specific_data<0..2^16-1>; } RouteQueryReq;
struct RouteQueryReq {
  bool send_update = false;
  Destination destination;
  Bytes overlay_specific_data;
  friend bool operator==(const RouteQueryReq&, const RouteQueryReq&) = default;
};

// struct { opaque<0..2^16-1> padding; } PingReq;
struct PingReq {
  Bytes padding;
  friend bool operator==(const PingReq&, const PingReq&) = default;
};

// struct { uint64 response_id; uint64 time; } PingAns;
struct PingAns {
  std::uint64_t response_id = 0;  // random, fixed for the responder's lifetime
  std::uint64_t time = 0;         // ms since the Unix epoch
  friend bool operator==(const PingAns&, const PingAns&) = default;
};

// enum { invalidConfigUpdateType(0), config(1), kind(2), (255) } ConfigUpdateType;
enum class ConfigUpdateType : std::uint8_t { kConfig = 1, kKind = 2 };

// struct { ConfigUpdateType type; uint32 length; select (type) {
//   case config: opaque config_data<0..2^24-1>;
//   case kind: KindDescription kinds<0..2^24-1>; }; } ConfigUpdateReq;
// KindDescription is opaque<0..2^16-1> (an XML kind block); both stay opaque here.
struct ConfigUpdateReq {
  ConfigUpdateType type = ConfigUpdateType::kConfig;
  Bytes config_data;        // type config
  std::vector<Bytes> kinds; // type kind
  friend bool operator==(const ConfigUpdateReq&, const ConfigUpdateReq&) = default;
};

// struct { } ConfigUpdateAns;
struct ConfigUpdateAns {
  friend bool operator==(const ConfigUpdateAns&, const ConfigUpdateAns&) = default;
};

// public struct { uint16 error_code; opaque error_info<0..2^16-1>; } ErrorResponse;
// error_code stays raw: unassigned and reserved codes still decode.
struct ErrorResponse {
  std::uint16_t error_code = to_u16(ErrorCode::kInvalidMessage);
  Bytes error_info;  // UTF-8 text unless the code says otherwise (e.g. Unknown_Kind)

  static ErrorResponse make(ErrorCode code, std::string_view text);
  std::string info_text() const { return p2psip::to_string(ByteView(error_info)); }
  friend bool operator==(const ErrorResponse&, const ErrorResponse&) = default;
};

void encode(Writer& w, const RouteQueryReq& v);
void encode(Writer& w, const PingReq& v);
void encode(Writer& w, const PingAns& v);
void encode(Writer& w, const ConfigUpdateReq& v);
void encode(Writer& w, const ConfigUpdateAns& v);
void encode(Writer& w, const ErrorResponse& v);

RouteQueryReq decode_route_query_req(Reader& r);
PingReq decode_ping_req(Reader& r);
PingAns decode_ping_ans(Reader& r);
ConfigUpdateReq decode_config_update_req(Reader& r);
ConfigUpdateAns decode_config_update_ans(Reader& r);
ErrorResponse decode_error_response(Reader& r);

Expected<RouteQueryReq, WireError> decode_route_query_req(ByteView in);
Expected<PingReq, WireError> decode_ping_req(ByteView in);
Expected<PingAns, WireError> decode_ping_ans(ByteView in);
Expected<ConfigUpdateReq, WireError> decode_config_update_req(ByteView in);
Expected<ConfigUpdateAns, WireError> decode_config_update_ans(ByteView in);  // must be empty
Expected<ErrorResponse, WireError> decode_error_response(ByteView in);

}  // namespace p2psip::wire
