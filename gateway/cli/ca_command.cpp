// `p2psip ca`: placeholder until overlay/security lands (issue 3).
#include <CLI/CLI.hpp>

#include "gateway/cli/command.h"

namespace p2psip::cli {

void add_ca_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand("ca", "Overlay certificate authority (not yet available)");
  cmd->callback([&selected] { selected = [] { return 2; }; });
}

}  // namespace p2psip::cli
