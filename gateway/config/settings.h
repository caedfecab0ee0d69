#pragma once
// Layered configuration: embedded defaults < YAML file < P2PSIP_* environment < flags.
// A schema names every key once; the YAML key, the environment variable and the flag are
// derived from it (sip_listen, P2PSIP_SIP_LISTEN, --sip-listen). Pure: text and maps in,
// validated settings or one ConfigError out.
//
// Most keys are strings or lists of strings. A structured key (KeySpec::fields non-empty, e.g.
// static_registrations) is a list of maps that lives only in the YAML file: it has no
// environment variable and no flag, and its errors name the entry index and the field
// ("static_registrations[1].contact: ...").

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"

namespace p2psip::config {

enum class Source { kDefault, kFile, kEnv, kFlag };
const char* to_string(Source s);

// One field of a structured key's entries.
struct FieldSpec {
  std::string name;
  bool required = false;
  std::function<std::optional<std::string>(const std::string&)> check;
};

// One entry of a structured key: field -> value.
using Record = std::map<std::string, std::string>;

struct KeySpec {
  std::string name;  // YAML spelling, snake_case
  std::string help;
  std::vector<std::string> defaults;
  bool repeatable = false;
  // Returns what is wrong with one value, or nothing when it is fine.
  std::function<std::optional<std::string>(const std::string&)> check;
  // Non-empty: a structured key, a list of maps with these fields (YAML file only).
  std::vector<FieldSpec> fields = {};

  bool structured() const { return !fields.empty(); }
};

using Schema = std::vector<KeySpec>;

std::string env_name(const std::string& key);   // sip_listen -> P2PSIP_SIP_LISTEN
std::string flag_name(const std::string& key);  // sip_listen -> sip-listen

// The one environment variable that is not a key: the config file path.
inline constexpr const char* kConfigFileEnv = "P2PSIP_CONFIG";

struct ConfigError {
  std::string key;      // the key (or "config" for the file itself)
  std::string message;  // what is wrong, with the origin of the value
  std::string to_string() const { return "config error: " + key + ": " + message; }
};

// Raw values from one source, before validation: key -> items, plus the entries of structured
// keys (only a YAML layer has those).
struct Layer : std::map<std::string, std::vector<std::string>> {
  using map::map;
  std::map<std::string, std::vector<Record>> records;
  std::vector<std::string> ignored;  // environment: Kubernetes service links (service_links.h)
};

// origin names the file in messages. Unknown keys and wrong shapes are errors.
Expected<Layer, ConfigError> layer_from_yaml(const std::string& yaml_text,
                                             const std::string& origin, const Schema& schema);
// Only P2PSIP_* variables are looked at; lists are comma-separated. Kubernetes service links
// (P2PSIP_SERVICE_HOST=10.0.0.11, ...: service_links.h) are not keys: they go to `ignored`.
Expected<Layer, ConfigError> layer_from_env(const std::map<std::string, std::string>& env,
                                            const Schema& schema);

class Settings {
 public:
  struct Value {
    std::vector<std::string> items;
    Source source = Source::kDefault;
    std::vector<Record> records = {};  // structured keys only
  };

  const std::string& get(const std::string& key) const;  // first item, "" when unset
  const std::vector<std::string>& list(const std::string& key) const;
  const std::vector<Record>& records(const std::string& key) const;  // structured keys
  Source source(const std::string& key) const;
  void set(const std::string& key, Value v) { values_[key] = std::move(v); }
  // The environment variables left out as Kubernetes service links (Layer::ignored).
  const std::vector<std::string>& ignored_env() const { return ignored_env_; }
  void set_ignored_env(std::vector<std::string> names) { ignored_env_ = std::move(names); }

 private:
  std::map<std::string, Value> values_;
  std::vector<std::string> ignored_env_;
};

// Applies the layers in order of precedence and validates every value with its key's check.
Expected<Settings, ConfigError> resolve_settings(const Schema& schema, const Layer& file,
                                                 const Layer& env, const Layer& flags);

// The effective settings as YAML that --config accepts, each line commented with its source.
std::string render_yaml(const Settings& settings, const Schema& schema);

}  // namespace p2psip::config
