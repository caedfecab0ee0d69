#pragma once
// The flags `p2psip register` and `p2psip lookup` share: how to reach the overlay as a
// RELOAD client and with which credentials.

#include <string>

#include "gateway/runtime/overlay_client.h"

namespace CLI {
class App;
}

namespace p2psip::cli {

struct ClientFlags {
  std::string bootstrap;
  std::string cert, key, ca;
  std::string log_level = "warn";
  int timeout_s = 30;

  void add_to(CLI::App& cmd);
  // Checks the values; prints one "p2psip TOOL: ..." line and returns nullopt when bad.
  std::optional<runtime::ClientOptions> options(const std::string& tool) const;
};

}  // namespace p2psip::cli
