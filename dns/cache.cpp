#include "dns/cache.h"

#include <algorithm>

namespace p2psip::dns {

std::string DnsCache::key(const Query& q) {
  return std::to_string(static_cast<unsigned>(q.type)) + "/" + q.name;
}

std::optional<DnsAnswer> DnsCache::get(const Query& q, Millis now) {
  if (map_.empty()) return std::nullopt;  // e.g. caching disabled: no key to build
  auto it = map_.find(key(q));
  if (it == map_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.answer;
}

void DnsCache::put(const Query& q, const DnsAnswer& answer, Millis now) {
  std::chrono::seconds cap;
  switch (answer.result) {
    case QueryResult::ok: cap = limits_.max_ttl; break;
    case QueryResult::nxdomain:
    case QueryResult::nodata: cap = limits_.max_negative_ttl; break;
    default: return;  // failures are never cached
  }
  auto ttl = std::min(std::chrono::seconds(answer.ttl), cap);
  if (ttl.count() <= 0 || limits_.max_entries == 0) return;
  std::string k = key(q);
  if (auto it = map_.find(k); it != map_.end()) erase(it);
  while (map_.size() >= limits_.max_entries) erase(map_.find(lru_.back()));
  lru_.push_front(k);
  map_.emplace(std::move(k), Entry{answer, now + ttl, lru_.begin()});
}

void DnsCache::erase(std::unordered_map<std::string, Entry>::iterator it) {
  lru_.erase(it->second.lru);
  map_.erase(it);
}

void DnsCache::clear() {
  map_.clear();
  lru_.clear();
}

}  // namespace p2psip::dns
