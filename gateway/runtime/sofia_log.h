#pragma once
// Sofia-SIP's own log lines (su_log: "nta: Via check: ...", tport TLS errors) through our
// logger, so that they carry a time, a level and the process's log_format like every other
// line (a raw line on stderr would break a JSON log). Sofia writes a line in pieces: they are
// collected into whole lines first.

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace p2psip::runtime {

// Pieces of text in, complete lines out (without their '\n'). A line longer than kMaxLine is
// cut there, so a piece without a newline cannot grow the buffer without bound.
class LineAssembler {
 public:
  static constexpr std::size_t kMaxLine = 8192;
  std::vector<std::string> add(std::string_view piece);

 private:
  std::string pending_;
};

// Redirects Sofia's default log (and so every module log without its own logger) to `log`
// at info level while it lives; construct it after SofiaLibrary.
class SofiaLogRedirect {
 public:
  explicit SofiaLogRedirect(std::shared_ptr<spdlog::logger> log);
  ~SofiaLogRedirect();
  SofiaLogRedirect(const SofiaLogRedirect&) = delete;
  SofiaLogRedirect& operator=(const SofiaLogRedirect&) = delete;

 private:
  static void write(void* self, const char* fmt, va_list ap);
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  LineAssembler lines_;
};

}  // namespace p2psip::runtime
