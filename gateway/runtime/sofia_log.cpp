#include "gateway/runtime/sofia_log.h"

#include <sofia-sip/su_log.h>

#include <cstdarg>
#include <cstdio>

namespace p2psip::runtime {

std::vector<std::string> LineAssembler::add(std::string_view piece) {
  std::vector<std::string> lines;
  for (char c : piece) {
    if (c == '\n') {
      lines.push_back(std::move(pending_));
      pending_.clear();
      continue;
    }
    pending_ += c;
    if (pending_.size() >= kMaxLine) {
      lines.push_back(std::move(pending_));
      pending_.clear();
    }
  }
  return lines;
}

SofiaLogRedirect::SofiaLogRedirect(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {
  su_log_redirect(nullptr, &SofiaLogRedirect::write, this);
}

SofiaLogRedirect::~SofiaLogRedirect() { su_log_redirect(nullptr, nullptr, nullptr); }

void SofiaLogRedirect::write(void* stream, const char* fmt, va_list ap) {
  auto* self = static_cast<SofiaLogRedirect*>(stream);
  char piece[2048];
  int n = std::vsnprintf(piece, sizeof piece, fmt, ap);
  if (n < 0) return;
  std::size_t len = static_cast<std::size_t>(n) < sizeof piece ? static_cast<std::size_t>(n)
                                                                : sizeof piece - 1;
  std::lock_guard<std::mutex> lock(self->mutex_);
  for (const std::string& line : self->lines_.add(std::string_view(piece, len))) {
    self->log_->info("{}", line);
  }
}

}  // namespace p2psip::runtime
