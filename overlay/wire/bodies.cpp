#include "overlay/wire/bodies.h"

namespace p2psip::wire {

namespace {

template <class T>
Expected<Body, WireError> lift(Expected<T, WireError> r) {
  if (!r) return unexpected(std::move(r).error());
  return Body(std::move(r).value());
}

Expected<Body, WireError> decode_topology_and_link(MessageCode code, ByteView b) {
  switch (code) {
    case MessageCode::kProbeReq: return lift(decode_probe_req(b));
    case MessageCode::kProbeAns: return lift(decode_probe_ans(b));
    case MessageCode::kAttachReq:
    case MessageCode::kAttachAns: return lift(decode_attach_req_ans(b));
    case MessageCode::kJoinReq: return lift(decode_join_req(b));
    case MessageCode::kJoinAns: return lift(decode_join_ans(b));
    case MessageCode::kLeaveReq: return lift(decode_leave_req(b));
    case MessageCode::kLeaveAns: return lift(decode_leave_ans(b));
    case MessageCode::kUpdateReq: return lift(decode_chord_update(b));
    case MessageCode::kUpdateAns: return lift(decode_update_ans(b));
    case MessageCode::kRouteQueryReq: return lift(decode_route_query_req(b));
    case MessageCode::kRouteQueryAns: return lift(decode_chord_route_query_ans(b));
    case MessageCode::kPingReq: return lift(decode_ping_req(b));
    case MessageCode::kPingAns: return lift(decode_ping_ans(b));
    case MessageCode::kAppAttachReq:
    case MessageCode::kAppAttachAns: return lift(decode_app_attach(b));
    case MessageCode::kConfigUpdateReq: return lift(decode_config_update_req(b));
    case MessageCode::kConfigUpdateAns: return lift(decode_config_update_ans(b));
    case MessageCode::kError: return lift(decode_error_response(b));
    default: break;
  }
  return unexpected(WireError{DecodeFailure::kBadValue, 0, "message_code has no body",
                              to_u16(ErrorCode::kInvalidMessage)});
}

}  // namespace

Expected<Body, WireError> decode_body(MessageCode code, ByteView b,
                                      const KindModelLookup& models) {
  switch (code) {
    case MessageCode::kStoreReq: return lift(decode_store_req(b, models));
    case MessageCode::kStoreAns: return lift(decode_store_ans(b));
    case MessageCode::kFetchReq: return lift(decode_fetch_req(b, models));
    case MessageCode::kFetchAns: return lift(decode_fetch_ans(b, models));
    case MessageCode::kFindReq: return lift(decode_find_req(b));
    case MessageCode::kFindAns: return lift(decode_find_ans(b));
    case MessageCode::kStatReq: return lift(decode_stat_req(b, models));
    case MessageCode::kStatAns: return lift(decode_stat_ans(b, models));
    default: return decode_topology_and_link(code, b);
  }
}

Expected<Bytes, WireError> encode_body(const Body& body) {
  return std::visit([](const auto& v) { return encode_to_bytes(v); }, body);
}

}  // namespace p2psip::wire
