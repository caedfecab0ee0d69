#include "gateway/cli/schema_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "gateway/config/load.h"
#include "gateway/runtime/logging.h"

extern char** environ;

namespace p2psip::cli {

void SchemaFlags::add_to(CLI::App& app, const config::Schema& schema) {
  app_ = &app;
  app.add_option("--config", config_file_,
                 "YAML config file (also P2PSIP_CONFIG); env and flags override it");
  app.add_flag("--print-config", print_config_, "print the effective configuration and exit");
  for (const auto& key : schema) {
    if (key.structured()) continue;  // lists of maps live only in the YAML file
    std::string help = key.help;
    if (!key.defaults.empty() && !key.defaults.front().empty()) {
      help += " [default: " + key.defaults.front() + "]";
    }
    help += " (env " + config::env_name(key.name) + ")";
    auto* opt = app.add_option("--" + config::flag_name(key.name), values_[key.name], help);
    // One value per occurrence; a repeatable key collects every occurrence.
    opt->expected(1)->allow_extra_args(false);
    opt->multi_option_policy(key.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                            : CLI::MultiOptionPolicy::TakeLast);
    opt->type_name(key.repeatable ? "VALUE (repeatable)" : "VALUE");
    options_[key.name] = opt;
  }
}

config::Layer SchemaFlags::layer() const {
  config::Layer layer;
  for (const auto& [name, opt] : options_) {
    if (static_cast<const CLI::Option*>(opt)->count() > 0) layer[name] = values_.at(name);
  }
  return layer;
}

std::optional<config::Settings> load_or_report(const config::Schema& schema,
                                               const SchemaFlags& flags) {
  auto settings = config::load_settings(schema, flags.config_file(),
                                        config::read_environment(environ), flags.layer());
  if (!settings) {
    std::fprintf(stderr, "%s\n", settings.error().to_string().c_str());
    return std::nullopt;
  }
  if (!settings->ignored_env().empty()) {
    std::string level = settings->get("log_level");
    std::string names;
    for (const std::string& n : settings->ignored_env()) names += (names.empty() ? "" : ", ") + n;
    runtime::make_logger("config", level.empty() ? "info" : level)
        ->debug("ignoring {} (Kubernetes service links of a Service named p2psip*, not "
                "configuration; enableServiceLinks: false leaves them out)", names);
  }
  return std::move(settings).value();
}

}  // namespace p2psip::cli
