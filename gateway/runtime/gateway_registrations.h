#pragma once
// The registrations a gateway keeps in the overlay (issue 7): each static registration,
// signed with its own certificate and key from the config, and the gateway's service AoR
// (default gateway@<domain>) with the gateway's own credentials. Checked before anything
// starts, so that a wrong certificate is one clear startup error naming the entry. The
// overlay node keeps them (overlay::Node::keep): stores, refreshes, re-stores on ring change
// and removes them on a clean shutdown (before the Leave).

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "gateway/registrar/phone_registry.h"
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
// (`p2psip ca issue --user AOR --node-id <gateway node-id>`, or enrollment). The stored value
// is the phone's own Contact (its longest-lived binding), for as long as that binding lasts:
// any gateway of the site routes a call to the phone from the overlay, also after the gateway
// it registered through restarted or went away. Each REGISTER the phone sends stores it again
// (the phone refreshes it, not the gateway); an un-REGISTER of the last binding removes this
// gateway's value. A binding belongs to the phone: it is not removed when the gateway shuts
// down (RFC 3261 §10.2.1: it lasts until the phone's Expires), nor when it expires locally (the
// overlay value lasts exactly as long). SIP-REGISTRATION is a dictionary keyed by Node-ID
// (RFC 7904 §3.2-3.3; USER-NODE-MATCH, RFC 6940 §7.3.3: the key must be a Node-ID of the signing
// certificate), so each gateway stores under its own Node-ID; a site whose phone certificates
// hold every gateway's Node-ID (`p2psip ca issue --user AOR --node-id A --node-id B`) has an
// un-REGISTER through any gateway remove the values stored through the others too (all
// bindings gone: RFC 3261 §10.2.2 "Contact: *" or the last one's Expires: 0). Loop thread.
class PhoneOverlayKeeper {
 public:
  // registration_lifetime: how long the removal an un-REGISTER stores lasts.
  PhoneOverlayKeeper(const config::GatewayConfig& config, std::string gateway_node,
                     spdlog::logger& log);
  // The overlay node once it runs; nullptr when it is gone.
  void attach(overlay::Node* node) { node_ = node; }
  // From the registrar front-end after an accepted REGISTER: what the overlay should hold for
  // `aor` (normalised), or nullopt once the phone removed its bindings.
  // A REGISTER taken while the node is not joined (not attached yet, or still joining) would
  // store nothing: its AoR waits here (at most one entry per phone of the phones file) and
  // store_pending() stores what is current for it once the node has joined.
  void changed(const std::string& aor, const std::optional<registrar::OverlayBinding>& binding);
  using Current = std::function<std::optional<registrar::OverlayBinding>(const std::string& aor)>;
  // From a periodic check: when the node has joined, each waiting AoR is stored (or removed).
  void store_pending(const Current& current);
  std::size_t pending() const { return pending_.size(); }
  // The phone's certificate was renewed (phone_renewal.h): the cached registrant goes and the
  // phone's current binding, if any, is stored again, signed with the new certificate.
  void renewed(const std::string& aor, const std::optional<registrar::OverlayBinding>& binding);

 private:
  void apply(const std::string& aor, const std::optional<registrar::OverlayBinding>& binding);

  const overlay::Registrant* registrant(const std::string& aor);

  std::string phones_dir_;
  std::string overlay_;
  std::string node_id_;  // the gateway's, hex
  std::uint32_t lifetime_s_;
  spdlog::logger& log_;
  overlay::Node* node_ = nullptr;
  std::map<std::string, overlay::Registrant> registrants_;  // loaded once per AoR
  // The phone certificate's other Node-IDs (other gateways of the site), one registrant each:
  // an un-REGISTER here removes the values they stored too.
  std::map<std::string, std::vector<overlay::Registrant>> others_;
  std::set<std::string> pending_;  // AoRs changed before the node joined
};

}  // namespace p2psip::runtime
