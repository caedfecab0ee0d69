#include "gateway/runtime/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "gateway/runtime/log_format.h"

namespace p2psip::runtime {

namespace {

// One sink per process so that lines from different components never interleave; its
// formatter (not each logger's) decides the layout.
const std::shared_ptr<spdlog::sinks::stderr_sink_mt>& stderr_sink() {
  static const auto sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_formatter(make_line_formatter(LogFormat::kText));
    return s;
  }();
  return sink;
}

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const std::string& level) {
  auto log = std::make_shared<spdlog::logger>(component, stderr_sink());
  log->set_level(spdlog::level::from_str(level));
  log->flush_on(spdlog::level::trace);
  return log;
}

void set_log_format(std::string_view name) {
  auto format = parse_log_format(name).value_or(LogFormat::kText);
  stderr_sink()->set_formatter(make_line_formatter(format));
  // Library code that logs through spdlog's default logger (the in-process enrollment
  // server) joins the same sink and layout, at the level the default logger had.
  auto level = spdlog::default_logger()->level();
  auto fallback = std::make_shared<spdlog::logger>("enroll", stderr_sink());
  fallback->set_level(level);
  fallback->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(fallback));
}

}  // namespace p2psip::runtime
