#pragma once
// The I/O edge of configuration: reads the YAML file and the process environment, then hands
// everything to the pure resolve_settings().

#include <map>
#include <optional>
#include <string>

#include "gateway/config/settings.h"

namespace p2psip::config {

// The environment as a map (only P2PSIP_* entries are kept).
std::map<std::string, std::string> read_environment(char** envp);

// config_flag: the --config value if given; otherwise P2PSIP_CONFIG from env, if set.
Expected<Settings, ConfigError> load_settings(const Schema& schema,
                                              const std::optional<std::string>& config_flag,
                                              const std::map<std::string, std::string>& env,
                                              const Layer& flags);

}  // namespace p2psip::config
