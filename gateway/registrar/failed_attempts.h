#pragma once
// Wrong digest credentials counted per key (the credentials' username and the sender's
// address): after `limit` failures within `window` the registrar answers 403 instead of
// challenging again, until the window has passed since the last failure. Pure: time comes in
// with every call. The table is bounded (max_keys): when full, expired entries go first, then
// the entry failed longest ago that is not blocked, so a flood of fresh keys cannot wash out a
// lock; only when every entry is blocked does the oldest lock make room.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace p2psip::registrar {

class FailedAttempts {
 public:
  explicit FailedAttempts(std::size_t limit = 3, Millis window = Millis{300'000},
                          std::size_t max_keys = 10'000);

  // Records a failure; true when this one reaches the limit (answer 403).
  bool fail(const std::string& key, Millis now);
  // True while the key has reached the limit and its window has not passed.
  bool blocked(std::string_view key, Millis now) const;
  // Forgets the key (credentials were right).
  void succeeded(std::string_view key);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::size_t count = 0;
    Millis last{0};
  };
  void make_room(Millis now);

  std::size_t limit_;
  Millis window_;
  std::size_t max_keys_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace p2psip::registrar
