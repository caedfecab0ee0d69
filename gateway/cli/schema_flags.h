#pragma once
// Turns a config schema into CLI11 options (--sip-listen, --bootstrap, ...), so every key has
// its flag twin without writing each one by hand.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/settings.h"

namespace CLI {
class App;
}

namespace p2psip::cli {

class SchemaFlags {
 public:
  // Registers one option per key, plus --config FILE and --print-config.
  void add_to(CLI::App& app, const config::Schema& schema);
  // Only the flags actually given, as a config layer.
  config::Layer layer() const;
  const std::optional<std::string>& config_file() const { return config_file_; }
  bool print_config() const { return print_config_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;  // node-stable storage for CLI11
  std::map<std::string, const void*> options_;
  std::optional<std::string> config_file_;
  bool print_config_ = false;
  CLI::App* app_ = nullptr;
};

// Loads file/env/flags for `schema`; prints one "config error: KEY: problem" line on failure.
std::optional<config::Settings> load_or_report(const config::Schema& schema,
                                               const SchemaFlags& flags);

}  // namespace p2psip::cli
