#pragma once
// Realistic sample bodies for every RELOAD method, for the benchmarks, the fuzz seed corpus
// generator and the tshark conformance test. Deterministic: the same bytes on every call.
//
// The overlay they describe: CHORD-RELOAD, 128-bit IDs, SIP-REGISTRATION (Kind 1,
// DICTIONARY) for alice@p2p.example.com stored by peer 0x5a..., signatures sized like
// RSA-2048/SHA-256 (256-byte value, cert_hash_node_id signer). The Resource-ID is a fixed
// stand-in, not SHA-1 of the AoR (hashing lives in overlay/usage).

#include <span>

#include "common/bytes.h"
#include "overlay/wire/bodies_attach.h"
#include "overlay/wire/bodies_join_leave.h"
#include "overlay/wire/bodies_misc.h"
#include "overlay/wire/bodies_probe.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/chord_update.h"
#include "overlay/wire/message_codes.h"
#include "overlay/wire/sip_registration.h"

namespace p2psip::wire {

// Kind 1 (SIP-REGISTRATION) is DICTIONARY; every other kind is unknown.
KindModelLookup sample_kind_models();

NodeId sample_node_id(std::uint8_t fill);  // 16 bytes of `fill`
ResourceId sample_resource_id();
Signature sample_signature();              // 256-byte value, cert_hash_node_id signer
SipRegistration sample_sip_registration(); // uri form: sip:alice@192.0.2.7:5060
StoredData sample_stored_sip_registration();

ProbeReq sample_probe_req();
ProbeAns sample_probe_ans();
AttachReqAns sample_attach_req();  // passive, one host candidate, TLS-TCP-FH-NO-ICE
AttachReqAns sample_attach_ans();
StoreReq sample_store_req();
StoreAns sample_store_ans();
FetchReq sample_fetch_req();       // Kind 1, all dictionary entries (a SIP lookup)
FetchAns sample_fetch_ans();
FindReq sample_find_req();
FindAns sample_find_ans();
JoinReq sample_join_req();
JoinAns sample_join_ans();
LeaveReq sample_leave_req();       // ChordLeaveData from_succ with 3 successors
LeaveAns sample_leave_ans();
ChordUpdate sample_update_req();   // full: 3 predecessors, 3 successors, 16 fingers
UpdateAns sample_update_ans();
RouteQueryReq sample_route_query_req();
ChordRouteQueryAns sample_route_query_ans();
PingReq sample_ping_req();
PingAns sample_ping_ans();
StatReq sample_stat_req();
StatAns sample_stat_ans();
AppAttachReq sample_app_attach_req();
AppAttachAns sample_app_attach_ans();
ConfigUpdateReq sample_config_update_req();
ConfigUpdateAns sample_config_update_ans();
ErrorResponse sample_error_response();  // Error_Not_Found

// The encoded message_body for `code`; empty for a code without a sample (invalid,
// unassigned, experimental) and for the methods whose body is empty.
Bytes sample_body(MessageCode code);
// Every code sample_body() has a sample for (all §14.8 method codes and error).
std::span<const MessageCode> sample_message_codes();

}  // namespace p2psip::wire
