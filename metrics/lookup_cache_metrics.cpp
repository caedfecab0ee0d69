#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "metrics/metrics.h"

namespace p2psip::metrics {

LookupCacheMetrics::LookupCacheMetrics(prometheus::Registry& registry) {
  auto& lookups = prometheus::BuildCounter()
                      .Name("p2psip_lookup_cache_total")
                      .Help("Overlay lookups for SIP requests answered from the gateway's lookup "
                            "cache (hit) or sent to the overlay (miss)")
                      .Register(registry);
  hits_ = &lookups.Add({{"result", "hit"}});
  misses_ = &lookups.Add({{"result", "miss"}});
  auto& dropped = prometheus::BuildCounter()
                      .Name("p2psip_lookup_cache_dropped_total")
                      .Help("Entries dropped from the gateway's lookup cache, by reason: expired "
                            "(TTL or the value's lifetime), evicted (cache full), invalidated (a "
                            "store or removal through this gateway, or a reload)")
                      .Register(registry);
  dropped_[0] = &dropped.Add({{"reason", "expired"}});
  dropped_[1] = &dropped.Add({{"reason", "evicted"}});
  dropped_[2] = &dropped.Add({{"reason", "invalidated"}});
  entries_ = &prometheus::BuildGauge()
                  .Name("p2psip_lookup_cache_entries")
                  .Help("AoRs currently held in the gateway's lookup cache")
                  .Register(registry)
                  .Add({});
}

void LookupCacheMetrics::add(std::uint64_t hits, std::uint64_t misses, std::uint64_t expired,
                             std::uint64_t evicted, std::uint64_t invalidated) {
  if (hits) hits_->Increment(static_cast<double>(hits));
  if (misses) misses_->Increment(static_cast<double>(misses));
  if (expired) dropped_[0]->Increment(static_cast<double>(expired));
  if (evicted) dropped_[1]->Increment(static_cast<double>(evicted));
  if (invalidated) dropped_[2]->Increment(static_cast<double>(invalidated));
}

void LookupCacheMetrics::entries(std::size_t n) { entries_->Set(static_cast<double>(n)); }

}  // namespace p2psip::metrics
