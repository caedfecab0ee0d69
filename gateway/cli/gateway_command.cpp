#include <CLI/CLI.hpp>

#include "gateway/cli/command.h"

namespace p2psip::cli {

void add_gateway_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand("gateway", "Run the P2PSIP gateway");
  cmd->callback([&selected] { selected = [] { return 0; }; });
}

}  // namespace p2psip::cli
