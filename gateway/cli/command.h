#pragma once
// Every `p2psip` subcommand lives in its own file and registers itself on the root CLI11 app.
// When CLI11 selects the subcommand, its callback stores the action; main() runs it after
// parsing and exits with the action's return value (0 ok, 1 failure, 2 usage/config error).

#include <functional>

namespace CLI {
class App;
}

namespace p2psip::cli {

using Action = std::function<int()>;

void add_gateway_command(CLI::App& root, Action& selected);
void add_peer_command(CLI::App& root, Action& selected);
void add_ca_command(CLI::App& root, Action& selected);
void add_resolve_command(CLI::App& root, Action& selected);
void add_dns_records_command(CLI::App& root, Action& selected);
void add_register_command(CLI::App& root, Action& selected);
void add_lookup_command(CLI::App& root, Action& selected);
void add_status_command(CLI::App& root, Action& selected);
void add_enroll_commands(CLI::App& root, Action& selected);  // enroll-server, enroll

}  // namespace p2psip::cli
