// `p2psip peer`: a plain RELOAD overlay peer (no SIP side), with the gateway's overlay flags.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gateway/cli/command.h"
#include "gateway/cli/schema_flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/node_enrollment.h"
#include "gateway/runtime/reload.h"
#include "gateway/runtime/peer_process.h"

namespace p2psip::cli {

void add_peer_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "peer",
      "Run a plain RELOAD overlay peer (CHORD-RELOAD over TLS), with metrics.\n"
      "Without --bootstrap it starts a new overlay; with it, it joins through those peers.\n"
      "--cert/--key/--ca come from 'p2psip ca'; with none of them a development CA is made\n"
      "in --data-dir (single-node overlays only). Each option can also be set in the YAML\n"
      "file (key with '_') or as P2PSIP_<KEY>; flags override env, env overrides the file.\n"
      "--register AOR=CONTACT stores SIP registrations and removes them on SIGTERM.");
  auto flags = std::make_shared<SchemaFlags>();
  flags->add_to(*cmd, config::peer_schema());
  auto regs = std::make_shared<std::vector<std::string>>();
  auto lifetime = std::make_shared<std::uint32_t>(3600);
  cmd->add_option("--register", *regs,
                  "AOR=CONTACT (repeatable): keep a SIP registration (RFC 7904) alive while\n"
                  "running; CONTACT is a sip: URI or 'route' (this peer's Node-ID). The AoR\n"
                  "must be the certificate's user (p2psip ca issue --user AOR)");
  cmd->add_option("--register-lifetime", *lifetime,
                  "Lifetime of those registrations in seconds, refreshed at 2/3 (default 3600)")
      ->check(CLI::Range(10u, 0x7fffffffu));
  cmd->callback([&selected, flags, regs, lifetime] {
    selected = [flags, regs, lifetime]() -> int {
      runtime::ignore_hangup();  // until the loop reloads on it (runtime/reload.h)
      std::vector<runtime::PeerRegistration> parsed;
      for (const std::string& r : *regs) {
        auto p = runtime::parse_peer_registration(r);
        if (!p) {
          std::fprintf(stderr, "config error: register: %s\n", p.error().c_str());
          return runtime::kExitConfigError;
        }
        parsed.push_back(std::move(*p));
      }
      auto settings = load_or_report(config::peer_schema(), *flags);
      if (!settings) return runtime::kExitConfigError;
      if (flags->print_config()) {
        std::fputs(config::render_yaml(*settings, config::peer_schema()).c_str(), stdout);
        return runtime::kExitOk;
      }
      runtime::set_log_format(settings->get("log_format"));
      if (auto enrolled = runtime::enroll_from_settings(*settings, config::peer_schema()); !enrolled) {
        std::fprintf(stderr, "%s\n", enrolled.error().message.c_str());
        return enrolled.error().exit_code;
      }
      return runtime::run_peer(config::to_overlay_config(*settings), parsed, *lifetime);
    };
  });
}

}  // namespace p2psip::cli
