#pragma once
// A short, bounded cache of the overlay's answers for the proxy (issue 18): AoR -> the
// uri-form contacts a RELOAD Fetch found. PURE: time comes in with each call, nothing else.
//
// What RFC 6940 lets us keep (§7: a stored value is valid for `lifetime` seconds from the time
// the storing peer received the StoreReq, unless a newer store replaces it): an entry lives
// for the shortest of the configured TTL and the remaining validity of the values it came from
// (the caller works that out, valid_ms), never longer. Within that TTL a change made at ANOTHER
// node (the phone registered elsewhere, a removal) is not seen: that is the price, and why the
// TTL is short. Changes made through THIS gateway are seen at once: the caller invalidates the
// AoR (forget) when it stores or removes it, and everything (forget_all) on reload. Bounded by
// count: a full cache drops its least recently used entry. Only `found` answers are kept: a
// not_found or an unreachable overlay is asked again every time.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace p2psip::router {

struct LookupCacheLimits {
  std::size_t max_entries = 0;  // 0: the cache is off
  std::uint64_t ttl_ms = 0;     // 0: the cache is off
  bool enabled() const { return max_entries > 0 && ttl_ms > 0; }
};

struct LookupCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t expired = 0;      // entries dropped because their TTL ran out
  std::uint64_t evicted = 0;      // entries dropped to stay within max_entries
  std::uint64_t invalidated = 0;  // entries dropped by forget() / forget_all()
};

class LookupCache {
 public:
  explicit LookupCache(LookupCacheLimits limits) : limits_(limits) {}

  // The cached contacts of `aor` when an entry is still valid at `now_ms` (monotonic). With
  // `refresh_due`: set by the first hit in the last quarter of the entry's time
  // (kRefreshAfter), so the caller may look the AoR up again before it expires and a hot AoR
  // never misses; an answer put() then restarts the entry's time (and its one refresh). A refresh does not lengthen what an answer
  // may be trusted for: each entry still lives at most its TTL from the answer it holds.
  std::optional<std::vector<std::string>> get(std::string_view aor, std::uint64_t now_ms,
                                              bool* refresh_due = nullptr);
  // Share of an entry's time after which get() reports it due for a refresh.
  static constexpr double kRefreshAfter = 0.75;
  // Keep `contacts` for `aor` until now_ms + min(ttl, valid_ms). Ignored when the cache is off,
  // contacts is empty, valid_ms is 0, or `generation` is older than generation(): something
  // invalidated the cache after the lookup that produced this answer started.
  void put(const std::string& aor, std::vector<std::string> contacts, std::uint64_t valid_ms,
           std::uint64_t now_ms, std::uint64_t generation);
  // Drop one AoR / everything, and make answers of lookups started before now unwelcome.
  void forget(std::string_view aor);
  void forget_all();

  // Take it when a lookup starts and give it back to put().
  std::uint64_t generation() const { return generation_; }
  std::size_t size() const { return entries_.size(); }
  const LookupCacheStats& stats() const { return stats_; }
  const LookupCacheLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::vector<std::string> contacts;
    std::uint64_t expires_ms = 0;
    std::uint64_t refresh_ms = 0;  // from then on get() reports refresh_due
    std::list<std::string>::iterator use;  // position in lru_ (front: most recent)
  };
  void erase(std::unordered_map<std::string, Entry>::iterator it);

  LookupCacheLimits limits_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
  std::uint64_t generation_ = 0;
  LookupCacheStats stats_;
};

// How long a found answer may be kept (ms, before the TTL cap), from what the overlay said of
// its values: the shortest lifetime (seconds from each value's store) and the earliest
// storage_time + lifetime (Unix ms, by the storers' clocks). RFC 6940 §7 counts a value's
// lifetime "from the time the peer receives the StoreReq", which this node cannot see: the full
// lifetime counted from now is an upper bound (the store was received before now), and the
// storer's storage_time (§7: "best-effort ... correct clock") usually a closer one. The smaller
// of the two is used. 0 (do not keep) without any lifetime.
std::uint64_t answer_validity_ms(std::uint32_t min_lifetime_s, std::uint64_t earliest_expiry_ms,
                                 std::uint64_t wall_now_ms);

}  // namespace p2psip::router
