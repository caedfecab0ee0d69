#pragma once
// Structured log events: a message and key=value fields in one spdlog payload, which the
// process's line formatter (gateway/runtime/log_format.h) renders as text, logfmt or JSON.
// Payload layout: kEventMark, the message, then for each field kFieldMark key '=' value.
// Plain messages (no leading kEventMark) stay plain: a value from the network can neither
// start an event nor add a field (both marks are replaced in what is encoded).

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2psip {

inline constexpr char kEventMark = '\x1e';
inline constexpr char kFieldMark = '\x1f';

struct LogField {
  std::string_view key;  // a literal of ours: [a-z_]+
  std::string value;
};

namespace log_fields_detail {
inline void append_clean(std::string& out, std::string_view s) {
  for (char c : s) out += (c == kEventMark || c == kFieldMark) ? '?' : c;
}
}  // namespace log_fields_detail

inline std::string log_event(std::string_view message, const std::vector<LogField>& fields) {
  std::string out(1, kEventMark);
  log_fields_detail::append_clean(out, message);
  for (const LogField& f : fields) {
    out += kFieldMark;
    log_fields_detail::append_clean(out, f.key);
    out += '=';
    log_fields_detail::append_clean(out, f.value);
  }
  return out;
}

// The inverse, for the formatter: the message and the fields of an event payload, or the
// whole payload as the message (no fields) when it is a plain message.
struct ParsedEvent {
  std::string_view message;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};
inline ParsedEvent parse_log_event(std::string_view payload) {
  ParsedEvent e;
  if (payload.empty() || payload.front() != kEventMark) {
    e.message = payload;
    return e;
  }
  payload.remove_prefix(1);
  auto next = payload.find(kFieldMark);
  e.message = payload.substr(0, next);
  while (next != std::string_view::npos) {
    payload.remove_prefix(next + 1);
    next = payload.find(kFieldMark);
    std::string_view field = payload.substr(0, next);
    auto eq = field.find('=');
    if (eq == std::string_view::npos) continue;  // never written by log_event()
    e.fields.emplace_back(field.substr(0, eq), field.substr(eq + 1));
  }
  return e;
}

}  // namespace p2psip
