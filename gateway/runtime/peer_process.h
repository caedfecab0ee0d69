#pragma once
// `p2psip peer`: a plain overlay peer (no SIP): metrics port, event loop, overlay node; runs
// until SIGTERM/SIGINT, removes its registrations, leaves the overlay cleanly and exits.

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.h"

namespace p2psip::runtime {

// `--register AOR=CONTACT`: CONTACT is a SIP URI (uri form) or `route` (route form: a
// destination list holding this peer's Node-ID).
struct PeerRegistration {
  std::string aor;
  std::string contact;
};
// "alice@x=sip:alice@192.0.2.1" -> {aor, contact}; the error names what is wrong.
Expected<PeerRegistration, std::string> parse_peer_registration(const std::string& text);

int run_peer(const config::OverlayConfig& config,
             const std::vector<PeerRegistration>& registrations = {},
             std::uint32_t lifetime_s = 3600);

}  // namespace p2psip::runtime
