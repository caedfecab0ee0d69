// `p2psip status [--metrics URL|ADDR:PORT] [--json]`: what a running node says about itself on
// its metrics port's /status: its Node-ID and ring (predecessors, successors, fingers), what it
// stores and the registrations it keeps in the overlay.
// Exit codes: 0 printed; 2 bad usage; 3 the node could not be asked (unreachable, no answer in
// time, an HTTP error or not a /status document).

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "gateway/cli/command.h"
#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/http_fetch.h"
#include "gateway/runtime/status_report.h"

namespace p2psip::cli {

namespace {

constexpr int kExitUnreachable = 3;
constexpr std::chrono::milliseconds kTimeout{5000};

struct StatusOptions {
  std::string metrics = "127.0.0.1:9464";
  bool json = false;
};

int run_status(const StatusOptions& o) {
  const char* tool = "p2psip status";
  auto target = runtime::parse_status_target(o.metrics);
  if (!target) {
    std::fprintf(stderr, "%s: --metrics %s\n", tool, target.error().c_str());
    return runtime::kExitConfigError;
  }
  auto answer = runtime::http_fetch(target->host, target->port, target->path, kTimeout);
  if (!answer) {
    std::fprintf(stderr, "%s: node unreachable: %s (is it running, is metrics_listen %s?)\n",
                 tool, answer.error().c_str(), o.metrics.c_str());
    return kExitUnreachable;
  }
  if (answer->status != 200) {
    std::fprintf(stderr, "%s: %s answered HTTP %d\n", tool, target->path.c_str(), answer->status);
    return kExitUnreachable;
  }
  auto status = runtime::parse_status(answer->body);
  if (!status) {
    std::fprintf(stderr, "%s: %s\n", tool, status.error().c_str());
    return kExitUnreachable;
  }
  if (o.json) {
    std::fputs(answer->body.c_str(), stdout);
    if (answer->body.empty() || answer->body.back() != '\n') std::fputc('\n', stdout);
  } else {
    std::fputs(runtime::render_status(*status).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void add_status_command(CLI::App& root, Action& selected) {
  auto o = std::make_shared<StatusOptions>();
  auto* cmd = root.add_subcommand(
      "status", "Print a running node's ring, stored resources and registrations (its /status)");
  cmd->add_option("--metrics", o->metrics,
                  "the node's metrics port: ADDR:PORT or http://HOST:PORT (default 127.0.0.1:9464)");
  cmd->add_flag("--json", o->json, "print the /status JSON as the node serves it");
  cmd->callback([&selected, o] { selected = [o] { return run_status(*o); }; });
}

}  // namespace p2psip::cli
