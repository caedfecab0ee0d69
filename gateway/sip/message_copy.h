#pragma once
// The copy of a message the proxy forwards (a request to a branch, a response upstream), made
// so that it does not keep the message it was copied from alive (issue 18, memory per call).
//
// Sofia's msg_copy() is shallow: the copy's headers point into the original's strings, so it
// holds a reference to the original until the copy itself is freed (msg_header_copy.c). The
// copies we hand to nta live as long as their transaction: a forwarded INVITE for Timer D
// (nta keeps a completed INVITE client transaction, 2xx included, max(32 s, 64*T1)), a
// relayed 200 to a BYE for Timer J (64*T1 = 32 s over UDP). With msg_copy() each pinned the
// received INVITE (itself done after Timer I, 5 s) and the received 200 to the BYE (done after
// Timer K, 5 s) for those 32 s: about a third of what a call left behind. msg_dup() copies the
// strings too and keeps no reference. The copy lists headers in Sofia's header order rather
// than as received: RFC 3261 §7.3.1, the relative order of different field names is not
// significant (headers of one name keep theirs; Via, Route, Record-Route come first).
// Header lines Sofia could not parse (sip_error) are not copied; msg_copy() kept them.
// Pure (Sofia's message functions only).

#include "gateway/sip/sofia_handles.h"

struct msg_s;

namespace p2psip::sip {

// A deep copy of `original` sharing nothing with it; empty when out of memory.
sofia::Message forwarding_copy(msg_s* original);

}  // namespace p2psip::sip
