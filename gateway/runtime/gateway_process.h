#pragma once
// `p2psip gateway` from validated config to exit code: metrics port, event loop, SIP agent;
// runs until SIGTERM/SIGINT and shuts down in reverse order.

#include "gateway/config/gateway_config.h"
#include "gateway/runtime/reload.h"

namespace p2psip::runtime {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitConfigError = 2;

// `reload`: how SIGHUP reads the configuration again (reload.h).
int run_gateway(const config::GatewayConfig& config, ReloadSource reload = {});

}  // namespace p2psip::runtime
