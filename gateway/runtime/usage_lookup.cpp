#include "gateway/runtime/usage_lookup.h"

#include <chrono>

#include "metrics/metrics.h"

namespace p2psip::runtime {

router::LookupResult to_lookup_result(const Expected<overlay::Resolution, overlay::Failure>& r) {
  using router::LookupStatus;
  if (!r) {
    const overlay::Failure& e = r.error();
    bool not_found = e.kind == overlay::Failure::Kind::kBadInput || e.not_found();
    return {not_found ? LookupStatus::not_found : LookupStatus::unreachable, {}};
  }
  if (!r->uris.empty()) return {LookupStatus::found, r->uris};
  // Nothing usable: unreachable only when the chain broke before anything was found.
  if (r->failed_lookups > 0 && r->routes.empty()) return {LookupStatus::unreachable, {}};
  return {LookupStatus::not_found, {}};
}

std::uint64_t cache_validity_ms(const overlay::Resolution& r, const router::LookupResult& result,
                                std::uint64_t wall_now_ms) {
  if (result.status != router::LookupStatus::found || r.failed_lookups > 0) return 0;
  return router::answer_validity_ms(r.min_lifetime_s, r.earliest_expiry_ms, wall_now_ms);
}

namespace {

// The cache's key: the AoR as the overlay normalises it (RFC 7904 §3.1), so that the proxy's
// lookups and the registrar's stores name one entry.
std::string cache_key(const std::string& aor) {
  auto n = overlay::normalize_aor(aor);
  return n ? std::move(*n) : aor;
}

std::uint64_t ms(Millis t) { return static_cast<std::uint64_t>(t.count()); }

}  // namespace

UsageLookup::UsageLookup(std::function<bool()> joined, metrics::GatewayMetrics& metrics,
                         std::shared_ptr<spdlog::logger> log,
                         router::LookupCacheLimits cache_limits, const Clock& clock,
                         metrics::LookupCacheMetrics& cache_metrics)
    : joined_(std::move(joined)),
      metrics_(metrics),
      log_(std::move(log)),
      clock_(clock),
      cache_(cache_limits),
      cache_metrics_(cache_metrics) {}

void UsageLookup::lookup(const std::string& aor, Callback cb) {
  if (!fetch_ || !joined_ || !joined_()) {
    count(router::LookupStatus::unreachable);
    return cb({router::LookupStatus::unreachable, {}});
  }
  std::string key = cache_key(aor);
  if (cache_.limits().enabled()) {
    bool refresh = false;
    auto cached = cache_.get(key, ms(clock_.monotonic()), &refresh);
    publish();
    if (cached) {
      if (refresh) fetch(aor, key, {});  // ahead of expiry: nobody waits for it
      return cb({router::LookupStatus::found, std::move(*cached)});
    }
  }
  fetch(aor, key, std::move(cb));
}

void UsageLookup::fetch(const std::string& aor, const std::string& key, Callback cb) {
  std::uint64_t generation = cache_.generation();
  if (!flights_.join(key, generation, std::move(cb))) return;  // waits for the one in flight
  ++pending_;
  auto t0 = std::chrono::steady_clock::now();
  fetch_(aor, [this, aor, key, t0,
                      generation](Expected<overlay::Resolution, overlay::Failure> r) {
    --pending_;
    if (observe_) {
      observe_(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    router::LookupResult result = to_lookup_result(r);
    if (!r) {
      log_->info("overlay lookup of {}: {}", aor, r.error().name);
    } else if (result.status != router::LookupStatus::found && !r->routes.empty()) {
      log_->info("overlay lookup of {}: only route-form registrations, not usable here", aor);
    }
    if (r) keep(key, *r, result, generation);
    count(result.status);
    for (auto& waiter : flights_.land(key, generation)) waiter(result);
  });
}

void UsageLookup::keep(const std::string& key, const overlay::Resolution& r,
                       const router::LookupResult& result, std::uint64_t generation) {
  if (!cache_.limits().enabled()) return;
  std::uint64_t valid = cache_validity_ms(r, result, clock_.wall_ms());
  if (valid == 0) return;
  cache_.put(key, result.contacts, valid, ms(clock_.monotonic()), generation);
  publish();
}

void UsageLookup::forget(const std::string& aor) {
  cache_.forget(cache_key(aor));
  publish();
}

void UsageLookup::forget_all() {
  cache_.forget_all();
  publish();
}

void UsageLookup::publish() {
  const router::LookupCacheStats& s = cache_.stats();
  cache_metrics_.add(s.hits - published_.hits, s.misses - published_.misses,
                     s.expired - published_.expired, s.evicted - published_.evicted,
                     s.invalidated - published_.invalidated);
  cache_metrics_.entries(cache_.size());
  published_ = s;
}

void UsageLookup::count(router::LookupStatus status) {
  switch (status) {
    case router::LookupStatus::found: metrics_.overlay_lookup(metrics::OverlayLookupResult::kFound); break;
    case router::LookupStatus::not_found: metrics_.overlay_lookup(metrics::OverlayLookupResult::kNotFound); break;
    case router::LookupStatus::unreachable:
      metrics_.overlay_lookup(metrics::OverlayLookupResult::kUnreachable);
      break;
  }
}

}  // namespace p2psip::runtime
