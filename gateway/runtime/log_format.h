#pragma once
// The layout of a log line (key log_format): text for people, logfmt or JSON for collectors.
// Pure functions plus the spdlog formatter that applies them to every line of the process.
//   text    2026-12-06T13:40:21.123+0000 info  [sip] route call_id=a84b4c76e66710 route=dns
//   logfmt  time=2026-12-06T13:40:21.123Z level=info component=sip msg=route call_id=...
//   json    {"time":"2026-12-06T13:40:21.123Z","level":"info","component":"sip","msg":"route",...}
// Fields come from log_event() (common/log_fields.h). Control characters are escaped in every
// layout, so a value from the network never starts a line of its own; JSON lines are valid
// JSON (bytes that are not UTF-8 become U+FFFD).

#include <spdlog/formatter.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace p2psip::runtime {

enum class LogFormat { kText, kLogfmt, kJson };

// "text", "logfmt" or "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view name);

struct LogRecord {
  std::chrono::system_clock::time_point time;
  std::string_view level;      // spdlog's name: trace, debug, info, warning, error, critical
  std::string_view component;  // the logger's name
  std::string_view payload;    // a plain message or a log_event()
};

// One line, '\n' included. Text shows local time with its offset, logfmt and JSON UTC.
std::string format_line(LogFormat format, const LogRecord& record);

// `s` as a JSON string, quotes included (the escaping of the json layout).
std::string json_quote(std::string_view s);

// An spdlog formatter writing format_line() lines.
std::unique_ptr<spdlog::formatter> make_line_formatter(LogFormat format);

}  // namespace p2psip::runtime
