#pragma once
// `p2psip register` and `p2psip lookup` on the library's client session
// (p2psip/overlay/client.h): options from the command line, errors as one line on stderr,
// exit codes. The overlay name comes from the certificate.

#include <functional>
#include <string>

#include "common/clock.h"
#include "gateway/config/host_port.h"
#include "p2psip/overlay/client.h"

namespace p2psip::runtime {

struct ClientOptions {
  config::HostPort bootstrap;
  std::string cert, key, ca;
  std::string log_level = "warn";
  Millis timeout{30000};  // the whole session: connect and operation
  int failure_exit = 1;   // exit code when the client cannot connect or the session times out
};

using ClientSession = overlay::ClientSession;

// `op` runs once the client is connected and calls `finish(exit_code)` exactly once. Returns
// that code; options.failure_exit when the connection or the session times out, 2 for bad
// credentials. `tool` prefixes the one-line errors ("p2psip register: ...").
int run_overlay_client(const std::string& tool, const ClientOptions& options,
                       std::function<void(ClientSession&, std::function<void(int)>)> op);

}  // namespace p2psip::runtime
