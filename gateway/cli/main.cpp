// p2psip: one binary, one subcommand per job (DESIGN.md §8).

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "gateway/cli/command.h"
#include "gateway/version.h"

int main(int argc, char** argv) {
  CLI::App app{"p2psip " P2PSIP_VERSION " - RELOAD (RFC 6940) P2PSIP overlay peer and SIP gateway"};
  app.set_version_flag("--version", "p2psip " P2PSIP_VERSION);
  app.require_subcommand(1);
  // One line per error, as for config errors: "p2psip: <what is wrong>".
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("p2psip: ") + e.what() + " (see --help)\n";
  });

  p2psip::cli::Action selected;
  p2psip::cli::add_gateway_command(app, selected);
  p2psip::cli::add_peer_command(app, selected);
  p2psip::cli::add_ca_command(app, selected);
  p2psip::cli::add_resolve_command(app, selected);
  p2psip::cli::add_dns_records_command(app, selected);
  p2psip::cli::add_register_command(app, selected);
  p2psip::cli::add_lookup_command(app, selected);
  p2psip::cli::add_status_command(app, selected);
  p2psip::cli::add_enroll_commands(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 uses 0 for --help/--version; any real parse error is a usage error: exit 2.
    return rc == 0 ? 0 : 2;
  }
  return selected ? selected() : 2;
}
