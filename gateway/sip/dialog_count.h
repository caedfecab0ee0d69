#pragma once
// Calls passing through the gateway, counted without dialog state (for the SIGTERM drain,
// gateway/runtime/drain.h). With Record-Route a dialog's later requests come through the
// gateway (RFC 3261 §16.6 step 4, §12.2): a 2xx to an initial INVITE adds one, a final
// response to a BYE ends one. A call whose BYE never comes (a UA gone) stays counted: the
// drain then lasts its full grace period, the safe side. Pure.

#include <string_view>

namespace p2psip::sip {

// The change a final response makes: +1, -1 or 0. `initial`: the request had no To-tag;
// `record_routed`: the gateway stays in the dialog's path.
int dialog_delta(std::string_view method, bool initial, int status, bool record_routed);

}  // namespace p2psip::sip
