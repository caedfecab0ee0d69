#include "overlay/wire/bodies_misc.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

constexpr std::size_t kMaxConfigUpdateLength = 0xffffffff;  // the uint32 length field

void encode_kinds(Writer& w, const std::vector<Bytes>& kinds) {
  encode_list(w, 3, kMaxConfigData, kMaxKindDescriptions, kinds,
              [](Writer& x, const Bytes& k) { x.opaque(2, kMaxKindDescriptionLength, k); });
}

}  // namespace

ErrorResponse ErrorResponse::make(ErrorCode code, std::string_view text) {
  return ErrorResponse{to_u16(code), to_bytes(text)};
}

void encode(Writer& w, const RouteQueryReq& v) {
  encode_boolean(w, v.send_update);
  encode(w, v.destination);
  w.opaque(2, 0xffff, v.overlay_specific_data);
}

void encode(Writer& w, const PingReq& v) { w.opaque(2, kMaxPingPadding, v.padding); }

void encode(Writer& w, const PingAns& v) {
  w.u64(v.response_id);
  w.u64(v.time);
}

void encode(Writer& w, const ConfigUpdateReq& v) {
  w.u8(static_cast<std::uint8_t>(v.type));
  Writer::Mark m = w.begin(4, kMaxConfigUpdateLength);
  if (v.type == ConfigUpdateType::kConfig) {
    if (!v.kinds.empty()) w.fail();
    w.opaque(3, kMaxConfigData, v.config_data);
  } else if (v.type == ConfigUpdateType::kKind) {
    if (!v.config_data.empty()) w.fail();
    encode_kinds(w, v.kinds);
  } else {
    w.fail();
  }
  w.end(m);
}

void encode(Writer&, const ConfigUpdateAns&) {}

void encode(Writer& w, const ErrorResponse& v) {
  w.u16(v.error_code);
  w.opaque(2, kMaxErrorInfo, v.error_info);
}

RouteQueryReq decode_route_query_req(Reader& r) {
  RouteQueryReq v;
  v.send_update = decode_boolean(r, "RouteQueryReq.send_update");
  v.destination = decode_destination(r);
  v.overlay_specific_data = r.opaque(2, 0xffff, "RouteQueryReq.overlay_specific_data");
  return v;
}

PingReq decode_ping_req(Reader& r) {
  return PingReq{r.opaque(2, kMaxPingPadding, "PingReq.padding")};
}

PingAns decode_ping_ans(Reader& r) {
  PingAns v;
  v.response_id = r.u64("PingAns.response_id");
  v.time = r.u64("PingAns.time");
  return v;
}

ConfigUpdateReq decode_config_update_req(Reader& r) {
  ConfigUpdateReq v;
  std::uint8_t type = r.u8("ConfigUpdateReq.type");
  Reader body = r.sub(4, kMaxConfigData + 3, "ConfigUpdateReq.length");
  v.type = static_cast<ConfigUpdateType>(type);
  if (v.type == ConfigUpdateType::kConfig) {
    v.config_data = body.opaque(3, kMaxConfigData, "ConfigUpdateReq.config_data");
  } else if (v.type == ConfigUpdateType::kKind) {
    v.kinds = decode_list<Bytes>(body, 3, kMaxConfigData, kMaxKindDescriptions,
                                 "ConfigUpdateReq.kinds", [](Reader& x) {
                                   return x.opaque(2, kMaxKindDescriptionLength,
                                                   "KindDescription");
                                 });
  } else {
    body.fail(DecodeFailure::kBadValue, "ConfigUpdateReq.type");
  }
  body.expect_end("ConfigUpdateReq");
  r.absorb(body);
  return v;
}

ConfigUpdateAns decode_config_update_ans(Reader&) { return {}; }

ErrorResponse decode_error_response(Reader& r) {
  ErrorResponse v;
  v.error_code = r.u16("ErrorResponse.error_code");
  v.error_info = r.opaque(2, kMaxErrorInfo, "ErrorResponse.error_info");
  return v;
}

Expected<RouteQueryReq, WireError> decode_route_query_req(ByteView in) {
  return decode_whole<RouteQueryReq>(
      in, [](Reader& r) { return decode_route_query_req(r); }, "RouteQueryReq");
}
Expected<PingReq, WireError> decode_ping_req(ByteView in) {
  return decode_whole<PingReq>(in, [](Reader& r) { return decode_ping_req(r); }, "PingReq");
}
Expected<PingAns, WireError> decode_ping_ans(ByteView in) {
  return decode_whole<PingAns>(in, [](Reader& r) { return decode_ping_ans(r); }, "PingAns");
}
Expected<ConfigUpdateReq, WireError> decode_config_update_req(ByteView in) {
  return decode_whole<ConfigUpdateReq>(
      in, [](Reader& r) { return decode_config_update_req(r); }, "ConfigUpdateReq");
}
Expected<ConfigUpdateAns, WireError> decode_config_update_ans(ByteView in) {
  return decode_whole<ConfigUpdateAns>(
      in, [](Reader& r) { return decode_config_update_ans(r); }, "ConfigUpdateAns");
}
Expected<ErrorResponse, WireError> decode_error_response(ByteView in) {
  return decode_whole<ErrorResponse>(
      in, [](Reader& r) { return decode_error_response(r); }, "ErrorResponse");
}

}  // namespace p2psip::wire
