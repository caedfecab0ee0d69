#pragma once
// Internal values <-> the plain values of the public API (p2psip/overlay/types.h,
// snapshot.h). Pure.

#include <optional>
#include <string>

#include "overlay/peer/node.h"
#include "overlay/usage/registration_keeper.h"
#include "overlay/usage/sip_usage_client.h"
#include "p2psip/overlay/snapshot.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

struct Registrant::Impl {
  usage::Registrant registrant;
};
Registrant wrap(usage::Registrant r);

// A Contact as the SIP-REGISTRATION value `who` stores (an empty route: `who`'s Node-ID);
// nullopt when a route names something that is no Node-ID.
std::optional<wire::SipRegistration> to_wire(const Contact& c, const wire::NodeId& who);
Failure to_failure(const usage::UsageError& e);
Resolution to_resolution(const usage::Resolution& r);
State to_state(peer::PeerState s);
// The usage client's callbacks delivering to the public ones (errors as Failure).
usage::SipUsageClient::StoreDone store_done(StoreDone done);
usage::SipUsageClient::LookupDone lookup_done(LookupDone done);
Snapshot to_snapshot(const peer::NodeSnapshot& s, const usage::KeeperCounts& kept,
                     std::size_t pending_lookups);

}  // namespace p2psip::overlay
