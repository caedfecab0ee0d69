#include "gateway/router/lookup_cache.h"

#include <algorithm>
#include <cstdint>

namespace p2psip::router {

std::optional<std::vector<std::string>> LookupCache::get(std::string_view aor,
                                                         std::uint64_t now_ms, bool* refresh_due) {
  if (refresh_due) *refresh_due = false;
  if (!limits_.enabled()) return std::nullopt;
  auto it = entries_.find(std::string(aor));
  if (it == entries_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  if (now_ms >= it->second.expires_ms) {
    ++stats_.expired;
    ++stats_.misses;
    erase(it);
    return std::nullopt;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second.use);
  if (refresh_due && now_ms >= it->second.refresh_ms) {
    // Once per answer: a refresh that finds nothing (the AoR removed elsewhere, the overlay
    // unreachable) must not turn every later hit into a Fetch; the entry then just expires.
    *refresh_due = true;
    it->second.refresh_ms = UINT64_MAX;
  }
  return it->second.contacts;
}

void LookupCache::put(const std::string& aor, std::vector<std::string> contacts,
                      std::uint64_t valid_ms, std::uint64_t now_ms, std::uint64_t generation) {
  if (!limits_.enabled() || contacts.empty() || valid_ms == 0 || generation != generation_) return;
  std::uint64_t keep_ms = std::min(valid_ms, limits_.ttl_ms);
  std::uint64_t expires = now_ms + keep_ms;
  auto refresh = now_ms + static_cast<std::uint64_t>(static_cast<double>(keep_ms) * kRefreshAfter);
  if (auto it = entries_.find(aor); it != entries_.end()) {
    it->second.contacts = std::move(contacts);
    it->second.expires_ms = expires;
    it->second.refresh_ms = refresh;
    lru_.splice(lru_.begin(), lru_, it->second.use);
    return;
  }
  if (entries_.size() >= limits_.max_entries) {
    // Full: the least recently used entry goes.
    erase(entries_.find(lru_.back()));
    ++stats_.evicted;
  }
  lru_.push_front(aor);
  entries_.emplace(aor, Entry{std::move(contacts), expires, refresh, lru_.begin()});
}

void LookupCache::forget(std::string_view aor) {
  ++generation_;
  auto it = entries_.find(std::string(aor));
  if (it == entries_.end()) return;
  erase(it);
  ++stats_.invalidated;
}

void LookupCache::forget_all() {
  ++generation_;
  stats_.invalidated += entries_.size();
  entries_.clear();
  lru_.clear();
}

void LookupCache::erase(std::unordered_map<std::string, Entry>::iterator it) {
  lru_.erase(it->second.use);
  entries_.erase(it);
}

std::uint64_t answer_validity_ms(std::uint32_t min_lifetime_s, std::uint64_t earliest_expiry_ms,
                                 std::uint64_t wall_now_ms) {
  if (min_lifetime_s == 0) return 0;
  std::uint64_t from_now = std::uint64_t{min_lifetime_s} * 1000;
  if (earliest_expiry_ms == 0) return from_now;
  if (earliest_expiry_ms <= wall_now_ms) return 0;
  return std::min(from_now, earliest_expiry_ms - wall_now_ms);
}

}  // namespace p2psip::router
