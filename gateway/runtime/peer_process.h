#pragma once
// `p2psip peer`: a plain overlay peer (no SIP): metrics port, event loop, overlay node; runs
// until SIGTERM/SIGINT, leaves the overlay cleanly and exits.

#include "gateway/config/gateway_config.h"

namespace p2psip::runtime {

int run_peer(const config::OverlayConfig& config);

}  // namespace p2psip::runtime
