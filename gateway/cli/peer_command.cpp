// `p2psip peer`: a plain RELOAD overlay peer (no SIP side), with the gateway's overlay flags.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "gateway/cli/command.h"
#include "gateway/cli/schema_flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/peer_process.h"

namespace p2psip::cli {

void add_peer_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "peer",
      "Run a plain RELOAD overlay peer (CHORD-RELOAD over TLS), with metrics.\n"
      "Without --bootstrap it starts a new overlay; with it, it joins through those peers.\n"
      "--cert/--key/--ca come from 'p2psip ca'; with none of them a development CA is made\n"
      "in --data-dir (single-node overlays only). Each option can also be set in the YAML\n"
      "file (key with '_') or as P2PSIP_<KEY>; flags override env, env overrides the file.");
  auto flags = std::make_shared<SchemaFlags>();
  flags->add_to(*cmd, config::peer_schema());
  cmd->callback([&selected, flags] {
    selected = [flags]() -> int {
      auto settings = load_or_report(config::peer_schema(), *flags);
      if (!settings) return runtime::kExitConfigError;
      if (flags->print_config()) {
        std::fputs(config::render_yaml(*settings, config::peer_schema()).c_str(), stdout);
        return runtime::kExitOk;
      }
      return runtime::run_peer(config::to_overlay_config(*settings));
    };
  });
}

}  // namespace p2psip::cli
