#pragma once
// The node's credentials from configuration: --cert/--key/--ca (all three), or, with none of
// them, the development CA under data_dir (DESIGN.md §8): <data_dir>/dev-ca/ca.{crt,key} and
// the node's <data_dir>/node.{crt,key}, made on first start and reused afterwards. The dev
// CA only serves a new single-node overlay: a node given --bootstrap must bring real
// credentials (other peers would not trust its private root).

#include <string>

#include <spdlog/logger.h>

#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "overlay/peer/node.h"

namespace p2psip::runtime {

struct StartError {
  int exit_code = 1;    // 2: configuration, 1: runtime
  std::string message;  // one line, printed as is
};

Expected<peer::NodeCredentials, StartError> load_credentials(const config::OverlayConfig& config,
                                                             spdlog::logger& log);

// Everything a node needs, checked before the process starts anything (so that a config
// error is the only line it prints): credentials and the node configuration, bootstrap
// names resolved once.
struct OverlayPlan {
  peer::NodeConfig node;
  peer::NodeCredentials credentials;
  std::string log_level;
  std::string advertise_warning;  // logged when the node starts (advertise.h); empty: none
};
Expected<OverlayPlan, StartError> prepare_overlay(const config::OverlayConfig& config,
                                                  spdlog::logger& log);

}  // namespace p2psip::runtime
