#include "gateway/cli/client_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "gateway/config/gateway_config.h"

namespace p2psip::cli {

void ClientFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--bootstrap", bootstrap, "An overlay peer to connect to (ADDR:PORT)")
      ->required();
  cmd.add_option("--cert", cert, "Certificate (PEM) from 'p2psip ca issue'")->required();
  cmd.add_option("--key", key, "Its private key (PEM)")->required();
  cmd.add_option("--ca", ca, "The overlay's root certificate (PEM)")->required();
  cmd.add_option("--timeout", timeout_s, "Give up after this many seconds (default 30)")
      ->check(CLI::Range(1, 3600));
  cmd.add_option("--log-level", log_level, "Log level on stderr (default warn)");
}

std::optional<runtime::ClientOptions> ClientFlags::options(const std::string& tool) const {
  auto hp = config::parse_host_port(bootstrap, config::HostKind::kIpOrName);
  if (!hp) {
    std::fprintf(stderr, "%s: --bootstrap: %s\n", tool.c_str(), hp.error().c_str());
    return std::nullopt;
  }
  if (auto bad = config::check_log_level(log_level)) {
    std::fprintf(stderr, "%s: --log-level: %s\n", tool.c_str(), bad->c_str());
    return std::nullopt;
  }
  runtime::ClientOptions o;
  o.bootstrap = *hp;
  o.cert = cert;
  o.key = key;
  o.ca = ca;
  o.log_level = log_level;
  o.timeout = Millis{timeout_s * 1000};
  return o;
}

}  // namespace p2psip::cli
