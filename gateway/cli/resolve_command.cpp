// `p2psip resolve`: placeholder until dns/ lands (issue 6).
#include <CLI/CLI.hpp>

#include "gateway/cli/command.h"

namespace p2psip::cli {

void add_resolve_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand("resolve", "RFC 3263 lookup of a SIP URI (not yet available)");
  cmd->callback([&selected] { selected = [] { return 2; }; });
}

}  // namespace p2psip::cli
