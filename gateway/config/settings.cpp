#include "gateway/config/settings.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "gateway/config/service_links.h"

namespace p2psip::config {

namespace {

const KeySpec* find_key(const Schema& schema, const std::string& name) {
  auto it = std::find_if(schema.begin(), schema.end(),
                         [&](const KeySpec& k) { return k.name == name; });
  return it == schema.end() ? nullptr : &*it;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Expected<std::vector<std::string>, std::string> yaml_values(const YAML::Node& node,
                                                            bool repeatable) {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (node.IsNull()) return repeatable ? std::vector<std::string>{} : std::vector<std::string>{""};
  if (node.IsSequence() && repeatable) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) return unexpected(std::string("list items must be plain values"));
      items.push_back(item.Scalar());
    }
    return items;
  }
  return unexpected(std::string(repeatable ? "must be a value or a list of values"
                                           : "must be a single value, not a list or map"));
}

// A structured key: a list of maps of plain values (null or absent list: no entries).
Expected<std::vector<Record>, std::string> yaml_records(const YAML::Node& node) {
  std::vector<Record> records;
  if (node.IsNull()) return records;
  if (!node.IsSequence()) return unexpected(std::string("must be a list of maps"));
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& entry = node[i];
    std::string where = "[" + std::to_string(i) + "]";
    if (!entry.IsMap()) return unexpected(where + " must be a map of fields");
    Record record;
    for (const auto& field : entry) {
      std::string name = field.first.IsScalar() ? field.first.Scalar() : "?";
      if (field.second.IsNull()) {
        record[name] = "";
      } else if (field.second.IsScalar()) {
        record[name] = field.second.Scalar();
      } else {
        return unexpected(where + "." + name + " must be a plain value");
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Checks one structured entry: unknown fields, missing required ones, each field's check.
std::optional<ConfigError> check_record(const KeySpec& spec, std::size_t index,
                                        const Record& record) {
  std::string where = spec.name + "[" + std::to_string(index) + "]";
  for (const auto& [name, value] : record) {
    auto field = std::find_if(spec.fields.begin(), spec.fields.end(),
                              [&](const FieldSpec& f) { return f.name == name; });
    if (field == spec.fields.end()) {
      return ConfigError{where + "." + name, "unknown field (in config file)"};
    }
    auto problem = field->check ? field->check(value) : std::nullopt;
    if (problem) return ConfigError{where + "." + name, *problem + " (from config file)"};
  }
  for (const FieldSpec& field : spec.fields) {
    if (field.required && record.count(field.name) == 0) {
      return ConfigError{where + "." + field.name, "missing (required field, in config file)"};
    }
  }
  return std::nullopt;
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

void render_records(std::ostream& out, const KeySpec& spec, const std::vector<Record>& records,
                    const char* origin) {
  out << spec.name << ":" << (records.empty() ? " []" : "") << "  # " << origin << "\n";
  for (const Record& record : records) {
    const char* lead = "  - ";
    for (const FieldSpec& field : spec.fields) {  // schema order, not map order
      auto it = record.find(field.name);
      if (it == record.end()) continue;
      out << lead << field.name << ": " << yaml_quote(it->second) << "\n";
      lead = "    ";
    }
  }
}

}  // namespace

const char* to_string(Source s) {
  switch (s) {
    case Source::kDefault: return "default";
    case Source::kFile: return "config file";
    case Source::kEnv: return "environment";
    case Source::kFlag: return "command line";
  }
  return "?";
}

std::string env_name(const std::string& key) {
  std::string out = "P2PSIP_";
  for (char c : key) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

std::string flag_name(const std::string& key) {
  std::string out = key;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

Expected<Layer, ConfigError> layer_from_yaml(const std::string& yaml_text,
                                             const std::string& origin, const Schema& schema) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return unexpected(ConfigError{"config", origin + ": not valid YAML: " + e.what()});
  }
  Layer layer;
  if (root.IsNull()) return layer;  // an empty file is a valid (empty) config
  if (!root.IsMap()) {
    return unexpected(ConfigError{"config", origin + ": top level must be a map of keys"});
  }
  for (const auto& entry : root) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    const KeySpec* spec = find_key(schema, key);
    if (!spec) return unexpected(ConfigError{key, "unknown key in " + origin});
    if (spec->structured()) {
      auto records = yaml_records(entry.second);
      if (!records) return unexpected(ConfigError{key, records.error() + " (in " + origin + ")"});
      layer.records[key] = std::move(records).value();
      continue;
    }
    auto values = yaml_values(entry.second, spec->repeatable);
    if (!values) return unexpected(ConfigError{key, values.error() + " (in " + origin + ")"});
    layer[key] = std::move(values).value();
  }
  return layer;
}

Expected<Layer, ConfigError> layer_from_env(const std::map<std::string, std::string>& env,
                                            const Schema& schema) {
  Layer layer;
  for (const auto& [name, value] : env) {
    if (name.rfind("P2PSIP_", 0) != 0 || name == kConfigFileEnv) continue;
    auto spec = std::find_if(schema.begin(), schema.end(),
                             [&](const KeySpec& k) { return env_name(k.name) == name; });
    if (spec == schema.end() && is_kubernetes_service_link(name, value)) {
      layer.ignored.push_back(name);
      continue;
    }
    if (spec == schema.end()) {
      return unexpected(ConfigError{name, "unknown environment variable (no such key)"});
    }
    if (spec->structured()) {
      return unexpected(ConfigError{name, spec->name + " can only be set in the config file"});
    }
    layer[spec->name] = spec->repeatable ? split_list(value) : std::vector<std::string>{value};
  }
  return layer;
}

const std::string& Settings::get(const std::string& key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() || it->second.items.empty() ? kEmpty : it->second.items.front();
}

const std::vector<std::string>& Settings::list(const std::string& key) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(key);
  return it == values_.end() ? kNone : it->second.items;
}

const std::vector<Record>& Settings::records(const std::string& key) const {
  static const std::vector<Record> kNone;
  auto it = values_.find(key);
  return it == values_.end() ? kNone : it->second.records;
}

Source Settings::source(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? Source::kDefault : it->second.source;
}

Expected<Settings, ConfigError> resolve_settings(const Schema& schema, const Layer& file,
                                                 const Layer& env, const Layer& flags) {
  Settings settings;
  settings.set_ignored_env(env.ignored);
  for (const KeySpec& spec : schema) {
    if (spec.structured()) {
      auto it = file.records.find(spec.name);
      if (it == file.records.end()) continue;
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        if (auto error = check_record(spec, i, it->second[i])) return unexpected(*error);
      }
      settings.set(spec.name, {{}, Source::kFile, it->second});
      continue;
    }
    Settings::Value value{spec.defaults, Source::kDefault};
    for (auto [layer, source] : {std::pair{&file, Source::kFile}, std::pair{&env, Source::kEnv},
                                 std::pair{&flags, Source::kFlag}}) {
      auto it = layer->find(spec.name);
      if (it != layer->end()) value = {it->second, source};
    }
    if (!spec.repeatable && value.items.size() > 1) {
      return unexpected(ConfigError{spec.name, "takes one value, got " +
                                                   std::to_string(value.items.size()) +
                                                   " (from " + to_string(value.source) + ")"});
    }
    for (const std::string& item : value.items) {
      auto problem = spec.check ? spec.check(item) : std::nullopt;
      if (problem) {
        return unexpected(ConfigError{spec.name, *problem + " (from " +
                                                     (value.source == Source::kEnv
                                                          ? env_name(spec.name)
                                                          : std::string(to_string(value.source))) +
                                                     ")"});
      }
    }
    settings.set(spec.name, std::move(value));
  }
  return settings;
}

std::string render_yaml(const Settings& settings, const Schema& schema) {
  std::ostringstream out;
  out << "# p2psip effective configuration; each line says where its value came from\n";
  for (const KeySpec& spec : schema) {
    const char* origin = to_string(settings.source(spec.name));
    if (spec.structured()) {
      render_records(out, spec, settings.records(spec.name), origin);
    } else if (spec.repeatable) {
      const auto& items = settings.list(spec.name);
      out << spec.name << ":" << (items.empty() ? " []" : "") << "  # " << origin << "\n";
      for (const auto& item : items) out << "  - " << yaml_quote(item) << "\n";
    } else {
      out << spec.name << ": " << yaml_quote(settings.get(spec.name)) << "  # " << origin << "\n";
    }
  }
  return out.str();
}

}  // namespace p2psip::config
