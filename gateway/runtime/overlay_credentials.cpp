#include "gateway/runtime/overlay_credentials.h"

#include <chrono>

#include "gateway/config/advertise.h"
#include "gateway/runtime/bootstrap_names.h"
#include "gateway/runtime/interface_addresses.h"
#include "gateway/runtime/logging.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

StartError config_error(const std::string& key, const std::string& message) {
  return StartError{2, "config error: " + key + ": " + message};
}

// The development CA's files (made when missing), with the warnings that go with them.
Expected<overlay::CredentialFiles, StartError> dev_credentials(const config::OverlayConfig& c,
                                                               spdlog::logger& log) {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  // A user the overlay cannot take (the service AoR's own check reports it) gets node@.
  std::string user;
  if (auto aor = overlay::normalize_aor(c.dev_user); aor && !c.dev_user.empty()) user = *aor;
  auto dev = overlay::ensure_dev_credentials(c.data_dir, c.overlay, now, user);
  if (!dev) return unexpected(start_error(dev.error()));
  if (dev->created_ca) {
    log.warn("created a DEVELOPMENT CA for overlay '{}' in {}", c.overlay, dev->ca_dir);
  }
  if (!dev->replaced_user.empty()) {
    log.warn("the development node certificate was for '{}': issued again for '{}'",
             dev->replaced_user, user);
  }
  log.warn("no cert/key/ca configured: using the DEVELOPMENT CA in {} and the node certificate "
           "{} (a new single-node overlay; not for production: give --cert, --key and --ca)",
           dev->ca_dir, dev->files.cert);
  return dev->files;
}

}  // namespace

StartError start_error(const overlay::Error& e, bool dev) {
  if (e.field.empty()) {
    return StartError{e.kind == overlay::Error::Kind::kConfig ? 2 : 1, e.message};
  }
  bool credential = e.field == "cert" || e.field == "key" || e.field == "ca";
  return config_error(dev && credential ? "data_dir" : e.field, e.message);
}

overlay::LogFn overlay_log(std::shared_ptr<spdlog::logger> log) {
  return [log = std::move(log)](overlay::LogLevel level, const std::string& line) {
    switch (level) {
      case overlay::LogLevel::kDebug: log->debug("{}", line); break;
      case overlay::LogLevel::kInfo: log->info("{}", line); break;
      case overlay::LogLevel::kWarn: log->warn("{}", line); break;
      default: log->error("{}", line); break;
    }
  };
}

Expected<OverlayPlan, StartError> prepare_overlay(const config::OverlayConfig& c,
                                                  spdlog::logger& log) {
  OverlayPlan plan;
  plan.log_level = c.log_level;
  overlay::NodeConfig& nc = plan.node;
  nc.overlay = c.overlay;
  nc.listen_ip = c.overlay_listen.host;
  nc.listen_port = c.overlay_listen.port;
  for (const auto& b : c.bootstrap) nc.bootstrap.push_back({b.host, b.port});
  nc.configuration.document = c.config_document;
  nc.verify_on_worker = c.verify_on_worker;
  if (c.enroll.enabled()) {  // newer versions come from where enrollment got the document
    nc.configuration.url = c.enroll.url;
    nc.configuration.ca_file = c.enroll.ca;
    nc.configuration.fingerprint = c.enroll.fingerprint;
  }
  int given = !c.cert.empty() + !c.key.empty() + !c.ca.empty();
  if (given == 3) {
    nc.credentials = {c.cert, c.key, c.ca};
  } else if (given != 0) {
    const char* missing = c.cert.empty() ? "cert" : c.key.empty() ? "key" : "ca";
    return unexpected(config_error(missing, "cert, key and ca must be given together"));
  } else if (!c.bootstrap.empty()) {
    return unexpected(config_error(
        "cert", "joining through bootstrap peers needs cert, key and ca from the overlay's CA "
                "(the development CA only serves a new single-node overlay)"));
  } else {
    auto files = dev_credentials(c, log);
    if (!files) return unexpected(files.error());
    nc.credentials = *files;
    plan.dev_credentials = true;
  }
  std::optional<config::HostPort> advertise;
  if (!c.overlay_advertise.empty()) {
    advertise = config::HostPort{c.overlay_advertise, c.overlay_listen.port,
                                 c.overlay_advertise.find(':') != std::string::npos};
  }
  auto announced = config::resolve_advertise(c.overlay_listen, advertise, interface_addresses(),
                                             "overlay_advertise");
  nc.advertise_ip = announced.address.host;
  plan.advertise_warning = announced.warning;
  return plan;
}

Expected<std::unique_ptr<overlay::Node>, StartError> create_overlay_node(uv_loop_t* loop,
                                                                        const OverlayPlan& plan,
                                                                        const Clock& clock) {
  overlay::NodeConfig config = plan.node;
  if (!resolve_bootstrap_names(config.bootstrap, *make_logger("overlay", plan.log_level))) {
    return unexpected(StartError{0, "stopped while waiting for the bootstrap peers' names"});
  }
  auto node = overlay::Node::create(loop, std::move(config), clock,
                                    overlay_log(make_logger("overlay", plan.log_level)));
  if (!node) return unexpected(start_error(node.error(), plan.dev_credentials));
  return std::move(*node);
}

Expected<void, StartError> start_overlay_node(overlay::Node& node, const OverlayPlan& plan) {
  if (!plan.advertise_warning.empty()) {
    make_logger("overlay", plan.log_level)->warn("{}", plan.advertise_warning);
  }
  if (auto started = node.start(); !started) return unexpected(start_error(started.error()));
  return {};
}

}  // namespace p2psip::runtime
