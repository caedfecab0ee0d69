#pragma once
// Sofia-SIP's SIP message class with two decoders made as liberal as RFC 3261's grammar
// (RFC 4475 §3.1.1.2 and §3.1.2.8). Sofia 1.12's sip_method_d() accepts only "unreserved"
// characters and escapes in an extension method, while RFC 3261 §25.1 allows any token
// (`+`, `` ` ``, `'`...), so the valid `intmeth` message had no request line and nta dropped
// it as garbage; a request line with LWS inside its Request-URI (`lwsruri`) was dropped the
// same way, with no 400. Each replacement runs Sofia's own decoder first and only when that
// fails parses the line itself: a token method (and CSeq method) is accepted as an
// extension method; a Request-URI with LWS becomes a host-less sip: URI that the proxy answers
// 400 (request_check.h). Anything else still fails as before.
//
// The gateway's nta uses one message class: PinnedViaClass (pinned_via_class.h) calls
// make_liberal() on its clone, so both edits hold at once.

#include <sofia-sip/msg_types.h>

namespace p2psip::sip {

// Installs the two liberal decoders in `mc`, a clone of Sofia's default class
// (msg_mclass_clone); the decoders' classes live as long as the process.
void make_liberal(msg_mclass_t* mc);

// A process-lifetime clone of Sofia's default class with only these two decoders (unit tests).
msg_mclass_t const* liberal_sip_mclass();

}  // namespace p2psip::sip
