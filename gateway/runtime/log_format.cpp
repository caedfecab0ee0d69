#include "gateway/runtime/log_format.h"

#include <spdlog/details/log_msg.h>

#include <cstdio>
#include <ctime>

#include "common/log_fields.h"

namespace p2psip::runtime {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: out += "\\u00"; out += kHex[c >> 4]; out += kHex[c & 0xf];
  }
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Text: as written, control characters escaped.
void append_text(std::string& out, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_control(c)) append_control(out, c);
    else out += ch;
  }
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') (out += '\\') += ch;
    else if (is_control(c)) append_control(out, c);
    else out += ch;
  }
  out += '"';
}

// logfmt: bare when it is one word, else quoted.
void append_value(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == ' ' || ch == '=' || ch == '"' || ch == '\\' || is_control(c)) bare = false;
  }
  if (bare) out += s;
  else append_quoted(out, s);
}

// Length of the valid UTF-8 sequence at s[i] (RFC 3629 §4: no overlongs, no surrogates), 0 if none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80          ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xe  ? 3
                  : (c >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  unsigned char d = n > 1 ? b(i + 1) : 0;
  bool overlong = (n == 2 && c < 0xc2) || (n == 3 && c == 0xe0 && d < 0xa0) ||
                  (n == 4 && c == 0xf0 && d < 0x90);
  bool surrogate_or_too_big = (n == 3 && c == 0xed && d >= 0xa0) ||
                              (n == 4 && (c > 0xf4 || (c == 0xf4 && d >= 0x90)));
  if (overlong || surrogate_or_too_big) return 0;
  return n;
}

void append_json(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      if (c == '"' || c == '\\') (out += '\\') += static_cast<char>(c);
      else if (is_control(c)) append_control(out, c);
      else out += static_cast<char>(c);
      ++i;
    }
  }
  out += '"';
}

std::string timestamp(std::chrono::system_clock::time_point t, bool utc) {
  using namespace std::chrono;
  std::time_t secs = system_clock::to_time_t(time_point_cast<seconds>(t));
  auto ms = duration_cast<milliseconds>(t - time_point_cast<seconds>(t)).count();
  if (ms < 0) ms = 0;
  std::tm tm{};
  if (utc) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  char when[32] = "";
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  char zone[8] = "Z";
  if (!utc) std::strftime(zone, sizeof zone, "%z", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(ms));
  return std::string(when) + millis + zone;
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line = format_line(
        format_, {msg.time, {level.data(), level.size()},
                  {msg.logger_name.data(), msg.logger_name.size()},
                  {msg.payload.data(), msg.payload.size()}});
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  LogFormat format_;
};

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "logfmt") return LogFormat::kLogfmt;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string json_quote(std::string_view s) {
  std::string out;
  append_json(out, s);
  return out;
}

std::string format_line(LogFormat format, const LogRecord& r) {
  ParsedEvent e = parse_log_event(r.payload);
  std::string out;
  if (format == LogFormat::kJson) {
    out = "{\"time\":\"" + timestamp(r.time, true) + "\",\"level\":";
    append_json(out, r.level);
    out += ",\"component\":";
    append_json(out, r.component);
    out += ",\"msg\":";
    append_json(out, e.message);
    for (const auto& [key, value] : e.fields) {
      out += ',';
      append_json(out, key);
      out += ':';
      append_json(out, value);
    }
    return out + "}\n";
  }
  if (format == LogFormat::kText) {
    out = timestamp(r.time, false) + ' ';
    out += r.level;
    if (r.level.size() < 5) out.append(5 - r.level.size(), ' ');
    out += " [";
    append_text(out, r.component);
    out += "] ";
    append_text(out, e.message);
  } else {
    out = "time=" + timestamp(r.time, true) + " level=";
    out += r.level;
    out += " component=";
    append_value(out, r.component);
    out += " msg=";
    append_value(out, e.message);
  }
  for (const auto& [key, value] : e.fields) {  // text and logfmt: key=value
    ((out += ' ') += key) += '=';
    append_value(out, value);
  }
  return out + '\n';
}

std::unique_ptr<spdlog::formatter> make_line_formatter(LogFormat format) {
  return std::make_unique<LineFormatter>(format);
}

}  // namespace p2psip::runtime
