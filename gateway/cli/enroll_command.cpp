// `p2psip enroll-server` and `p2psip enroll`: RFC 6940 §11 enrollment (p2psip/overlay/enroll.h).
//   p2psip enroll-server [--config FILE] --overlay NAME --listen IP:PORT --ca-dir DIR --users FILE
//                        [--advertise HOST[:PORT]] [--domain D] [--bootstrap IP:PORT]...
//                        [--bad-node HEX]... [--bad-nodes-file F]
//                        [--sequence N]
//                        [--tls-cert FILE --tls-key FILE] [--lockout N] [--metrics-listen IP:PORT]
//   p2psip enroll --url URL --user USER --password-file FILE
//                 (--enroll-ca FILE | --enroll-fingerprint HEX) --data-dir DIR [--node-ids N] [--ec]
// Exit codes: 0 done, 2 usage/config error, 1 refused or failed (the §11.3 token in the message).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gateway/cli/command.h"
#include "gateway/cli/schema_flags.h"
#include "gateway/config/enroll_server_config.h"
#include "gateway/runtime/logging.h"
#include "gateway/config/host_port.h"
#include "gateway/config/phones.h"
#include "gateway/runtime/enroll_service.h"
#include "gateway/runtime/node_enrollment.h"
#include "gateway/version.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::cli {

namespace {

namespace ov = p2psip::overlay;

std::atomic<bool> g_stop{false};  // set by SIGTERM/SIGINT (a signal handler needs a global)

extern "C" void on_stop_signal(int) { g_stop.store(true); }

int usage(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "p2psip %s: %s\n", cmd, message.c_str());
  return ov::kEnrollExitUsage;
}

int run_server(const config::EnrollServerConfig& a) {
  // The server logs through spdlog's default logger: the process's stderr sink and layout.
  runtime::set_log_format(a.log_format);
  spdlog::default_logger()->set_level(spdlog::level::from_str(a.log_level));
  ov::EnrollServerOptions o;
  o.overlay = a.overlay;
  o.ca_dir = a.ca_dir;
  o.domain = a.domain;
  o.tls_cert = a.tls_cert;
  o.tls_key = a.tls_key;
  o.bad_nodes = a.bad_nodes;
  o.bad_nodes_file = a.bad_nodes_file;
  o.sequence = a.sequence;
  o.certificate_seconds = a.test_certificate_seconds;
  o.listen = {a.listen.host, a.listen.port};
  if (a.advertise) o.advertise = {a.advertise->host, a.advertise->port};
  for (const config::HostPort& b : a.bootstrap) o.bootstrap.push_back({b.host, b.port});
  auto users = config::read_phones_file(a.users);
  if (!users) return usage("enroll-server", "--users: " + users.error());
  o.users.insert(users->begin(), users->end());
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  runtime::EnrollLockout lockout(a.lockout);
  metrics::Metrics registry(P2PSIP_VERSION);
  metrics::HealthState health;
  health.sip_required = false;
  metrics::StatusBoard status;
  std::unique_ptr<metrics::HttpServer> http;
  if (!a.metrics_listen.empty()) {
    auto ml = config::parse_host_port(a.metrics_listen, config::HostKind::kIpLiteral);
    if (!ml) return usage("enroll-server", "--metrics-listen: " + ml.error());
    auto started = metrics::HttpServer::start(ml->host, ml->port, registry, health, status);
    if (!started) {
      std::fprintf(stderr, "p2psip enroll-server: %s\n", started.error().c_str());
      return ov::kEnrollExitFailed;
    }
    http = std::move(started).value();
  }
  runtime::EnrollReport report(http ? &registry.enroll : nullptr);
  int rc = ov::run_enroll_server(o, lockout, report, g_stop, [](const std::string& url, const std::string& fp) {
    std::printf("enroll-server: serving %s\nenroll-server: certificate sha256 %s\n", url.c_str(), fp.c_str());
    std::fflush(stdout);
  });
  report.log();
  return rc;
}

void add_server(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "enroll-server",
      "Serve the overlay's configuration document and enrollment (RFC 6940 §11) over HTTPS:\n"
      "GET /.well-known/reload-config and POST /enroll. Holds the CA key of --ca-dir;\n"
      "users and passwords come from --users (the phones file's `USER PASSWORD` lines).\n"
      "Each option can also be set in the YAML file (key with '_') or as P2PSIP_<KEY>;\n"
      "flags override env, env overrides the file.");
  auto flags = std::make_shared<SchemaFlags>();
  flags->add_to(*cmd, config::enroll_server_schema());
  cmd->callback([&selected, flags] {
    selected = [flags]() -> int {
      auto settings = load_or_report(config::enroll_server_schema(), *flags);
      if (!settings) return ov::kEnrollExitUsage;
      if (flags->print_config()) {
        std::fputs(config::render_yaml(*settings, config::enroll_server_schema()).c_str(), stdout);
        return ov::kEnrollExitOk;
      }
      auto c = config::to_enroll_server_config(*settings);
      if (!c) {
        std::fprintf(stderr, "%s\n", c.error().to_string().c_str());
        return ov::kEnrollExitUsage;
      }
      return run_server(*c);
    };
  });
}

struct ClientArgs {
  ov::EnrollClientOptions o;
  std::string password_file;
};

int run_client(ClientArgs a) {
  auto password = runtime::read_password_file(a.password_file);
  if (!password) return usage("enroll", "--password-file: " + password.error());
  a.o.password = *password;
  ov::EnrollClientResult r = ov::run_enroll_client(a.o);
  if (r.exit_code != ov::kEnrollExitOk) {
    std::fprintf(stderr, "p2psip enroll: %s\n", r.message.c_str());
    return r.exit_code;
  }
  std::printf("user: %s\n", r.user.c_str());
  for (const std::string& id : r.node_ids) std::printf("node-id: %s\n", id.c_str());
  std::printf("files: %s/{node.key,node.crt,ca.crt,reload-config.xml}\n", a.o.data_dir.c_str());
  return ov::kEnrollExitOk;
}

void add_client(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "enroll",
      "Enroll once (RFC 6940 §11.3): fetch and verify the configuration document, make a key\n"
      "and CSR, get a certificate with the user's password, and store key, certificate, root\n"
      "and document under --data-dir. Prints the Node-ID(s).");
  auto a = std::make_shared<ClientArgs>();
  cmd->add_option("--url", a->o.url, "Configuration URL: https://HOST:PORT/.well-known/reload-config")->required();
  cmd->add_option("--user", a->o.user, "User name (as in the server's users file)")->required();
  cmd->add_option("--password-file", a->password_file, "File whose first line is the password")->required();
  cmd->add_option("--enroll-ca", a->o.ca_file, "Trust the HTTPS server by this CA certificate (PEM)");
  cmd->add_option("--enroll-fingerprint", a->o.fingerprint, "... or by the SHA-256 of its certificate (hex)");
  cmd->add_option("--data-dir", a->o.data_dir, "Where to store key, certificate, root and document")->required();
  cmd->add_option("--node-ids", a->o.node_ids, "Number of Node-IDs to ask for (default 1)");
  cmd->add_flag("--ec", a->o.ec_key, "Make an EC P-256 key instead of RSA-2048");
  cmd->callback([&selected, a] { selected = [a] { return run_client(*a); }; });
}

}  // namespace

void add_enroll_commands(CLI::App& root, Action& selected) {
  add_server(root, selected);
  add_client(root, selected);
}

}  // namespace p2psip::cli
