#pragma once
// The proxy's OverlayLookup backed by the gateway's own overlay node (RFC 7904 fetch with
// uri-form indirection, signatures checked by the library). found: the uri-form contacts
// outside the overlay; not_found: nothing registered (or only route-form registrations,
// which a SIP proxy cannot use); unreachable: not joined, no overlay attached, a timeout or
// an overlay error. Counts p2psip_overlay_lookups_total{result} (lookups sent to the overlay).
// A found answer is kept in a short bounded cache (router/lookup_cache.h) and reused for the
// same AoR until its TTL or the values' lifetime ends, or until forget() (a store or removal
// of that AoR through this gateway) or forget_all() (reload); a hit in the entry's last quarter
// looks the AoR up again in the background. Callers of an AoR whose lookup is in flight wait
// for it (router/lookup_flights.h): one Fetch, not one per INVITE. Loop thread.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/expected.h"
#include "gateway/router/lookup_cache.h"
#include "gateway/router/lookup_flights.h"
#include "gateway/router/overlay_lookup.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::metrics {
class GatewayMetrics;
class LookupCacheMetrics;
}

namespace p2psip::runtime {

// Pure: what the router makes of a lookup's outcome.
router::LookupResult to_lookup_result(const Expected<overlay::Resolution, overlay::Failure>& r);
// Pure: how long (ms) the lookup cache may keep this answer; 0: not at all (not found, or a
// fetch down the indirection chain failed, so the contacts may be incomplete).
std::uint64_t cache_validity_ms(const overlay::Resolution& r, const router::LookupResult& result,
                                std::uint64_t wall_now_ms);

class UsageLookup final : public router::OverlayLookup {
 public:
  UsageLookup(std::function<bool()> joined, metrics::GatewayMetrics& metrics,
              std::shared_ptr<spdlog::logger> log, router::LookupCacheLimits cache_limits,
              const Clock& clock, metrics::LookupCacheMetrics& cache_metrics);
  using Fetch = std::function<void(const std::string& aor, overlay::LookupDone done)>;
  // The overlay node once it runs; nullptr before it starts and once it is gone. `observe`
  // gets each lookup's duration in seconds (p2psip_overlay_lookup_duration_seconds).
  void attach(overlay::Node* node, std::function<void(double)> observe = {}) {
    Fetch fetch;
    if (node) fetch = [node](const std::string& aor, overlay::LookupDone done) {
      node->lookup(aor, std::move(done));
    };
    attach_fetch(std::move(fetch), std::move(observe));
  }
  // The same through something that reaches the node (a SIP worker's overlay_bridge.h); an
  // empty `fetch`: no overlay.
  void attach_fetch(Fetch fetch, std::function<void(double)> observe = {}) {
    fetch_ = std::move(fetch);
    observe_ = std::move(observe);
  }
  void lookup(const std::string& aor, Callback cb) override;
  // Fetches sent to the overlay and not answered yet (an overload signal, overload.h).
  std::size_t pending() const { return pending_; }
  // The AoR was stored or removed through this gateway / everything may have changed (reload).
  void forget(const std::string& aor);
  void forget_all();

 private:
  // Sends the Fetch for `aor` unless one is in flight for `key`; `cb` (empty: a refresh) gets
  // its answer.
  void fetch(const std::string& aor, const std::string& key, Callback cb);
  void count(router::LookupStatus status);  // p2psip_overlay_lookups_total{result}
  void keep(const std::string& key, const overlay::Resolution& r,
            const router::LookupResult& result, std::uint64_t generation);
  void publish();  // the cache's counters since the last call, to the metrics

  std::function<bool()> joined_;
  metrics::GatewayMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  Fetch fetch_;  // empty: no overlay attached
  std::function<void(double)> observe_;
  std::size_t pending_ = 0;
  const Clock& clock_;
  router::LookupCache cache_;
  router::LookupFlights flights_;
  metrics::LookupCacheMetrics& cache_metrics_;
  router::LookupCacheStats published_;
};

}  // namespace p2psip::runtime
