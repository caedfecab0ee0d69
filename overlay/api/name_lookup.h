#pragma once
// The bootstrap name of a client session (run_client, client.h) looked up without blocking the
// session's loop: uv_getaddrinfo on the libuv thread pool, bounded by the session's timeout.
// (A Node never looks a name up: Node::create refuses one, overlay.h.)

#include <uv.h>

#include <string>

#include "common/expected.h"
#include "overlay/wire/ids.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

struct NameError {
  bool timed_out = false;  // no answer within the timeout (else: the resolver said no)
  std::string message;     // names the entry
};

// An IP literal comes back at once, without a lookup. A name is looked up with uv_getaddrinfo
// on `loop`, which runs until the answer or `timeout` (the loop should hold nothing else yet).
Expected<wire::IpAddressPort, NameError> lookup_on_loop(uv_loop_t* loop, const Endpoint& e,
                                                        Millis timeout);

}  // namespace p2psip::overlay
