#pragma once
// Node::Impl: the public Node (p2psip/overlay/overlay.h) over a peer::Node, with the SIP
// usage client and the RegistrationService on it. Internal.

#include <memory>
#include <string>
#include <vector>

#include "overlay/api/certificate_service.h"
#include "overlay/api/configuration.h"
#include "overlay/api/deferred.h"
#include "overlay/api/registration_service.h"
#include "overlay/api/usage_glue.h"
#include "overlay/peer/node.h"
#include "overlay/usage/sip_usage_client.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::overlay {

// The library's log levels on a LogFn (peer::Node's int levels 0..3).
peer::Node::Logger node_logger(LogFn log);

struct Node::Impl {
  Impl(uv_loop_t* loop, const Clock& clock, LogFn log);
  ~Impl();

  void changed();  // the peer's state or neighbours changed
  bool joined() const { return node && node->state() == peer::PeerState::kJoined; }
  void log(LogLevel level, const std::string& line) const {
    if (log_fn) log_fn(level, line);
  }

  uv_loop_t* loop;
  const Clock& clock;
  LogFn log_fn;
  std::string node_id, user, overlay;
  std::unique_ptr<ConfigurationKeeper> configuration;  // outlives `node`, which calls it
  Registrant own;
  std::unique_ptr<peer::Node> node;
  std::unique_ptr<NodeRequestSender> sender;
  std::unique_ptr<usage::SipUsageClient> usage;
  std::unique_ptr<RegistrationService> registrations;
  std::unique_ptr<CertificateService> certificates;  // §8: our certificate in the overlay
  std::vector<wire::NodeId> last_neighbors;
  std::function<void()> on_change;
  bool change_posted = false;
  std::size_t pending_lookups = 0;
  Deferred deferred;
};

}  // namespace p2psip::overlay
