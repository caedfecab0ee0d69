#pragma once
// A bounded, thread-safe memo of results that stay good for max_age after they were obtained
// (certificates that passed chain validation, signatures that verified). Time comes in as a
// value. A lookup older than max_age, or from a clock that went backwards, misses and drops the
// entry. When full it starts over: bounded memory whatever peers send, at the cost of a refill.
// Only successes should go in; callers never remember failures.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace p2psip::storage {

template <typename Value>
class TimedMemo {
 public:
  using Time = std::chrono::sys_seconds;

  TimedMemo(std::size_t capacity, std::chrono::seconds max_age)
      : capacity_(capacity), max_age_(max_age) {}

  std::optional<Value> find(const std::string& key, Time now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (now < it->second.at || now - it->second.at >= max_age_) {
      entries_.erase(it);
      return std::nullopt;
    }
    ++hits_;
    return it->second.value;
  }

  void remember(std::string key, Value value, Time now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.erase(key);  // emplace, not assignment: some values (Certificate) cannot be assigned
    entries_.emplace(std::move(key), Entry{std::move(value), now});
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  std::size_t hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }

 private:
  struct Entry {
    Value value;
    Time at;
  };
  std::size_t capacity_;
  std::chrono::seconds max_age_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::size_t hits_ = 0;
};

}  // namespace p2psip::storage
