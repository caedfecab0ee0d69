#pragma once
// Logs go to stderr, one line per event: time, level, component, message.

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace p2psip::runtime {

// A logger for one component (e.g. "sip", "overlay"); all share one stderr sink.
std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const std::string& level);

}  // namespace p2psip::runtime
