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

UsageLookup::UsageLookup(std::function<bool()> joined, metrics::GatewayMetrics& metrics,
                         std::shared_ptr<spdlog::logger> log)
    : joined_(std::move(joined)), metrics_(metrics), log_(std::move(log)) {}

void UsageLookup::lookup(const std::string& aor, Callback cb) {
  if (!node_ || !joined_ || !joined_()) {
    return answer(cb, {router::LookupStatus::unreachable, {}});
  }
  ++pending_;
  auto t0 = std::chrono::steady_clock::now();
  node_->lookup(aor, [this, aor, cb, t0](Expected<overlay::Resolution, overlay::Failure> r) {
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
    answer(cb, std::move(result));
  });
}

void UsageLookup::answer(const Callback& cb, router::LookupResult r) {
  switch (r.status) {
    case router::LookupStatus::found: metrics_.overlay_lookup(metrics::OverlayLookupResult::kFound); break;
    case router::LookupStatus::not_found: metrics_.overlay_lookup(metrics::OverlayLookupResult::kNotFound); break;
    case router::LookupStatus::unreachable:
      metrics_.overlay_lookup(metrics::OverlayLookupResult::kUnreachable);
      break;
  }
  cb(std::move(r));
}

}  // namespace p2psip::runtime
