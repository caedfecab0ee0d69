#pragma once
// DNS answer cache keyed by (name, type). Pure: the caller passes the current monotonic time.
// Positive answers live for their TTL (capped), negative ones (NXDOMAIN, NODATA) for the
// RFC 2308 negative TTL (capped by max_negative_ttl). SERVFAIL, timeouts and errors are never
// cached, so one failure does not poison a name. Least recently used entries are evicted
// beyond max_entries.

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "dns/types.h"

namespace p2psip::dns {

struct CacheLimits {
  std::size_t max_entries = 10'000;
  std::chrono::seconds max_ttl{86'400};
  std::chrono::seconds max_negative_ttl{300};
};

class DnsCache {
 public:
  explicit DnsCache(CacheLimits limits = {}) : limits_(limits) {}

  // The cached answer if present and not expired at `now` (an expired one is dropped).
  std::optional<DnsAnswer> get(const Query& q, Millis now);
  // Stores the answer if cacheable; answer.ttl is its TTL in seconds (0: not stored).
  void put(const Query& q, const DnsAnswer& answer, Millis now);

  std::size_t size() const { return map_.size(); }
  void clear();

 private:
  struct Entry {
    DnsAnswer answer;
    Millis expires;
    std::list<std::string>::iterator lru;
  };
  static std::string key(const Query& q);
  void erase(std::unordered_map<std::string, Entry>::iterator it);

  CacheLimits limits_;
  std::unordered_map<std::string, Entry> map_;
  std::list<std::string> lru_;  // front: most recently used
};

}  // namespace p2psip::dns
