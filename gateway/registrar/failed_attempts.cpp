#include "gateway/registrar/failed_attempts.h"

#include <algorithm>

namespace p2psip::registrar {

FailedAttempts::FailedAttempts(std::size_t limit, Millis window, std::size_t max_keys)
    : limit_(std::max<std::size_t>(limit, 1)), window_(window), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

bool FailedAttempts::fail(const std::string& key, Millis now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(key, Entry{}).first;
  } else if (now - it->second.last >= window_) {
    it->second.count = 0;  // an old streak does not count
  }
  it->second.count += 1;
  it->second.last = now;
  return it->second.count >= limit_;
}

bool FailedAttempts::blocked(std::string_view key, Millis now) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.count >= limit_ && now - it->second.last < window_;
}

void FailedAttempts::succeeded(std::string_view key) {
  if (auto it = entries_.find(key); it != entries_.end()) entries_.erase(it);
}

void FailedAttempts::make_room(Millis now) {
  if (entries_.size() < max_keys_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.last >= window_ ? entries_.erase(it) : std::next(it);
  }
  if (entries_.size() < max_keys_) return;
  // Oldest first, unblocked entries before blocked ones.
  auto oldest = std::min_element(entries_.begin(), entries_.end(), [&](const auto& a, const auto& b) {
    bool a_blocked = a.second.count >= limit_;
    bool b_blocked = b.second.count >= limit_;
    if (a_blocked != b_blocked) return b_blocked;
    return a.second.last < b.second.last;
  });
  entries_.erase(oldest);
}

}  // namespace p2psip::registrar
