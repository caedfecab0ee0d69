// `p2psip gateway`: the edge super-peer.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unistd.h>

#include "gateway/cli/command.h"
#include "gateway/cli/schema_flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/config/load.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/node_enrollment.h"
#include "gateway/runtime/reload.h"

namespace p2psip::cli {

void add_gateway_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "gateway",
      "Run the P2PSIP gateway: SIP on UDP/TCP, RELOAD overlay peer, metrics.\n"
      "Each option can also be set in the YAML file (key with '_') or as P2PSIP_<KEY>;\n"
      "flags override the environment, which overrides the file.");
  auto flags = std::make_shared<SchemaFlags>();
  flags->add_to(*cmd, config::gateway_schema());
  cmd->callback([&selected, flags] {
    selected = [flags]() -> int {
      runtime::ignore_hangup();  // until the loop reloads on it (runtime/reload.h)
      auto settings = load_or_report(config::gateway_schema(), *flags);
      if (!settings) return runtime::kExitConfigError;
      if (flags->print_config()) {
        std::fputs(config::render_yaml(*settings, config::gateway_schema()).c_str(), stdout);
        return runtime::kExitOk;
      }
      runtime::set_log_format(settings->get("log_format"));
      // SIGHUP reads the same file, environment and flags again (gateway/runtime/reload.h).
      const char* env_file = std::getenv(config::kConfigFileEnv);
      runtime::ReloadSource reload{*settings, [flags] {
        return config::load_settings(config::gateway_schema(), flags->config_file(),
                                     config::read_environment(environ), flags->layer());
      }, flags->config_file().value_or(env_file ? env_file : "")};
      if (auto enrolled = runtime::enroll_from_settings(*settings, config::gateway_schema()); !enrolled) {
        std::fprintf(stderr, "%s\n", enrolled.error().message.c_str());
        return enrolled.error().exit_code;
      }
      return runtime::run_gateway(config::to_gateway_config(*settings), std::move(reload));
    };
  });
}

}  // namespace p2psip::cli
