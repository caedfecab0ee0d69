#pragma once
// The overlay node of a process from its configuration (the library's NodeConfig), and the
// node made from it. Credentials are --cert/--key/--ca (all three), or, with none of them,
// the development CA under data_dir (DESIGN.md §8): <data_dir>/dev-ca/ca.{crt,key} and the
// node's <data_dir>/node.{crt,key}, made on first start and reused afterwards. The dev CA
// only serves a new single-node overlay: a node given --bootstrap must bring real
// credentials (other peers would not trust its private root).

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

struct StartError {
  int exit_code = 1;    // 2: configuration, 1: runtime, 0: stopped by a signal before starting
  std::string message;  // one line, printed as is
};

// Everything a node needs, checked before the process starts anything (so that a config
// error is the only line it prints).
struct OverlayPlan {
  overlay::NodeConfig node;
  bool dev_credentials = false;   // the development CA's files (errors name data_dir)
  std::string log_level;
  std::string advertise_warning;  // logged when the node starts (advertise.h); empty: none
};
Expected<OverlayPlan, StartError> prepare_overlay(const config::OverlayConfig& config,
                                                  spdlog::logger& log);

// A library error as the process reports it: "config error: <key>: ..." for configuration
// (exit 2), the message as is otherwise (exit 1). `dev`: credential errors name data_dir.
StartError start_error(const overlay::Error& e, bool dev = false);

// The library's log lines on a spdlog logger.
overlay::LogFn overlay_log(std::shared_ptr<spdlog::logger> log);

// The plan's node on `loop` (credentials checked; nothing listens yet). Logs to an "overlay"
// logger at the plan's level. Bootstrap peers given by name are resolved first, waiting (and
// retrying) while none resolves (bootstrap_names.h); a stop signal meanwhile is a StartError
// with exit code 0.
Expected<std::unique_ptr<overlay::Node>, StartError> create_overlay_node(uv_loop_t* loop,
                                                                        const OverlayPlan& plan,
                                                                        const Clock& clock);

// Logs the plan's advertise warning (if any), then starts the node (listen, join).
Expected<void, StartError> start_overlay_node(overlay::Node& node, const OverlayPlan& plan);

}  // namespace p2psip::runtime
