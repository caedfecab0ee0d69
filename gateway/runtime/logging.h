#pragma once
// Logs go to stderr, one line per event: time, level, component, message and fields, laid out
// as log_format says (text, logfmt or json: log_format.h).

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

namespace p2psip::runtime {

// A logger for one component (e.g. "sip", "overlay"); all share one stderr sink.
std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const std::string& level);

// The layout of every line on the shared sink from now on: "text" (the default), "logfmt" or
// "json" (a validated log_format value; anything else keeps text), spdlog's default logger
// included. Call it once, at start.
void set_log_format(std::string_view name);

}  // namespace p2psip::runtime
