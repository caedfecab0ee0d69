#pragma once
// One-shot RELOAD client sessions for `p2psip register` and `p2psip lookup`: load the
// credentials, connect to a bootstrap peer as a client (RFC 6940 §3.2: no Join, every request
// goes through that peer), run one SIP usage operation, exit. The overlay name comes from the
// certificate.

#include <functional>
#include <string>

#include "common/clock.h"
#include "gateway/config/host_port.h"
#include "overlay/usage/sip_usage_client.h"

namespace p2psip::runtime {

struct ClientOptions {
  config::HostPort bootstrap;
  std::string cert, key, ca;
  std::string log_level = "warn";
  Millis timeout{30000};  // the whole session: connect and operation
  int failure_exit = 1;   // exit code when the client cannot connect or the session times out
};

struct ClientSession {
  usage::SipUsageClient& usage;
  const usage::Registrant& registrant;  // the certificate's Node-ID and key
  const std::string& user;              // the certificate's user name (rfc822Name)
  const Clock& clock;
};

// `op` runs once the client is connected and calls `finish(exit_code)` exactly once. Returns
// that code; options.failure_exit when the connection or the session times out, 2 for bad
// credentials. `tool` prefixes the one-line errors ("p2psip register: ...").
int run_overlay_client(const std::string& tool, const ClientOptions& options,
                       std::function<void(ClientSession&, std::function<void(int)>)> op);

}  // namespace p2psip::runtime
