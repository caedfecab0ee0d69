#include "gateway/runtime/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace p2psip::runtime {

std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const std::string& level) {
  // One sink per process so that lines from different components never interleave.
  static const auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto log = std::make_shared<spdlog::logger>(component, sink);
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %-5l [%n] %v");
  log->set_level(spdlog::level::from_str(level));
  log->flush_on(spdlog::level::trace);
  return log;
}

}  // namespace p2psip::runtime
