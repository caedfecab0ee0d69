#pragma once
// Every RELOAD method body behind one call: decode a MessageContents.message_body by its
// message_code. For the peer's dispatch, the fuzz targets and the samples' self-check.
// The topology-specific bodies are CHORD-RELOAD's (UpdateReq = ChordUpdate, RouteQueryAns =
// ChordRouteQueryAns; LeaveReq.overlay_specific_data stays opaque, see bodies_join_leave.h).

#include <variant>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/bodies_attach.h"
#include "overlay/wire/bodies_join_leave.h"
#include "overlay/wire/bodies_misc.h"
#include "overlay/wire/bodies_probe.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/chord_update.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::wire {

using Body = std::variant<ProbeReq, ProbeAns, AttachReqAns, StoreReq, StoreAns, FetchReq,
                          FetchAns, FindReq, FindAns, JoinReq, JoinAns, LeaveReq, LeaveAns,
                          ChordUpdate, UpdateAns, RouteQueryReq, ChordRouteQueryAns, PingReq,
                          PingAns, StatReq, StatAns, AppAttachReqAns, ConfigUpdateReq,
                          ConfigUpdateAns, ErrorResponse>;

// kBadValue for a code with no body definition (invalid, unassigned, experimental).
Expected<Body, WireError> decode_body(MessageCode code, ByteView body,
                                      const KindModelLookup& models);
Expected<Bytes, WireError> encode_body(const Body& body);

}  // namespace p2psip::wire
