#pragma once
// The registrations a gateway keeps in the overlay (issue 7): each static registration,
// signed with its own certificate and key from the config, and the gateway's service AoR
// (default gateway@<domain>) with the gateway's own credentials. Checked before anything
// starts, so that a wrong certificate is one clear startup error naming the entry. The
// overlay node keeps them (overlay::Node::keep): stores, refreshes, re-stores on ring change
// and removes them on a clean shutdown (before the Leave).

#include <spdlog/logger.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/overlay_credentials.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

struct KeptRegistration {
  std::string aor;  // normalised
  overlay::Contact value;
  overlay::Registrant who;
};

// The gateway's own overlay identity: its Node-ID (hex), its certificate's user name and
// that certificate as a registrant (overlay::Node gives all three).
struct GatewayIdentity {
  std::string node_id;
  std::string user;
  overlay::Registrant registrant;
};

// The static registrations: each entry's cert must name the AoR as its user and hold the
// gateway's Node-ID (`p2psip ca issue --user AOR --node-id <gateway node-id>`), its key must
// match. SIP-REGISTRATION is a dictionary keyed by the storer's Node-ID (RFC 7904 §3.2-3.3), so
// the gateway holds one value per AoR: an AoR with one contact is stored with that contact; an
// AoR listed with several contacts is stored with the gateway's own URI for it
// (sip:<user>@<advertise>), and the gateway forks a call to it to all the contacts.
Expected<std::vector<KeptRegistration>, StartError> plan_static_registrations(
    const config::GatewayConfig& config, const config::HostPort& advertise,
    const GatewayIdentity& gateway, spdlog::logger& log);

// The service AoR with the gateway's credentials when its certificate's user is that AoR
// (else a warning and nothing). The value is the gateway's own SIP URI at `advertise`.
std::vector<KeptRegistration> plan_service_registration(const config::GatewayConfig& config,
                                                        const config::HostPort& advertise,
                                                        const GatewayIdentity& gateway,
                                                        spdlog::logger& log);

}  // namespace p2psip::runtime

namespace p2psip::runtime {

// Plain phones registered at the gateway, stored into the overlay on their behalf when a
// certificate for the phone's AoR exists at <data_dir>/phones/<user@domain>.crt and .key
// (`p2psip ca issue --user AOR --node-id <gateway node-id>`). The stored contact is the
// gateway's own SIP URI for that user (at the advertised address), so overlay callers reach the phone through the gateway.
// It lasts registration_lifetime in the overlay and is refreshed before that, as the static
// registrations are. An un-REGISTER or the last binding expiring removes it. Loop thread.
class PhoneOverlayKeeper {
 public:
  // `advertise`: the gateway's SIP address as others reach it (sip_advertise, resolved).
  PhoneOverlayKeeper(const config::GatewayConfig& config, const config::HostPort& advertise,
                     std::string gateway_node, spdlog::logger& log);
  // The overlay node once it runs; nullptr when it is gone.
  void attach(overlay::Node* node) { node_ = node; }
  // From the registrar front-end: `aor` (normalised) has bindings (registered) or not.
  void changed(const std::string& aor, bool registered);

 private:
  std::string phones_dir_;
  std::string overlay_;
  std::string node_id_;  // the gateway's, hex
  std::string sip_host_port_;
  std::uint32_t lifetime_s_;  // registration_lifetime, as for the static registrations
  spdlog::logger& log_;
  overlay::Node* node_ = nullptr;
  std::set<std::string> kept_;
};

}  // namespace p2psip::runtime
