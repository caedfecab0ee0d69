#pragma once
// The keys of `p2psip enroll-server` (RFC 6940 §11): YAML file, P2PSIP_* environment and flags,
// like every other command (settings.h). The flag names are the key names with '-'
// (--overlay, --listen, --ca-dir, --users, --bad-node, ...).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/config/host_port.h"
#include "gateway/config/settings.h"

namespace p2psip::config {

struct EnrollServerConfig {
  std::string overlay;
  HostPort listen;
  std::optional<HostPort> advertise;  // none: listen (then not the any-address)
  std::string ca_dir;  // default: data_dir/ca
  std::string users;   // `USER PASSWORD` lines (the phones file's format)
  std::string domain;
  std::vector<HostPort> bootstrap;
  std::vector<std::string> bad_nodes;
  std::string bad_nodes_file;
  std::uint32_t sequence = 1;
  std::string tls_cert, tls_key;
  std::size_t lockout = 3;
  std::string metrics_listen;  // empty: no /metrics
  int test_certificate_seconds = 0;  // > 0: issued certificates last this long (tests only)
  std::string log_level = "info";
  std::string log_format = "text";
};

const Schema& enroll_server_schema();
// Validated settings to typed values; a required key left unset is an error naming the key.
Expected<EnrollServerConfig, ConfigError> to_enroll_server_config(const Settings& s);

// `p2psip gateway` runs the same server in-process when enroll_listen is set (a small site
// needs one box). The keys as given; the runtime fills in the defaults (users: phones_file,
// ca_dir: data_dir/ca, bootstrap: the gateway's own overlay address).
struct InProcessEnrollConfig {
  std::optional<HostPort> listen;  // none: no enrollment server in the gateway
  std::string users;
  std::string ca_dir;
  std::vector<HostPort> bootstrap;
  std::size_t lockout = 3;        // enroll_lockout: as the standalone server's lockout
  std::uint32_t sequence = 1;     // enroll_sequence: as its sequence
  std::string bad_nodes_file;     // enroll_bad_nodes_file: as its bad_nodes_file
};

Schema gateway_enroll_keys();
InProcessEnrollConfig to_in_process_enroll_config(const Settings& s);

}  // namespace p2psip::config
