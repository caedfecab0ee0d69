#include "gateway/config/load.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace p2psip::config {

std::map<std::string, std::string> read_environment(char** envp) {
  std::map<std::string, std::string> env;
  for (char** e = envp; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("P2PSIP_", 0) != 0) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

Expected<Settings, ConfigError> load_settings(const Schema& schema,
                                              const std::optional<std::string>& config_flag,
                                              const std::map<std::string, std::string>& env,
                                              const Layer& flags) {
  std::optional<std::string> path = config_flag;
  if (!path) {
    auto it = env.find(kConfigFileEnv);
    if (it != env.end() && !it->second.empty()) path = it->second;
  }
  Layer file_layer;
  if (path) {
    std::ifstream in(*path);
    if (!in) {
      return unexpected(ConfigError{"config", "cannot read '" + *path + "': " +
                                                  std::strerror(errno)});
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = layer_from_yaml(text.str(), *path, schema);
    if (!parsed) return unexpected(parsed.error());
    file_layer = std::move(parsed).value();
  }
  auto env_layer = layer_from_env(env, schema);
  if (!env_layer) return unexpected(env_layer.error());
  return resolve_settings(schema, file_layer, *env_layer, flags);
}

}  // namespace p2psip::config
