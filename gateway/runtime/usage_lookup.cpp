#include "gateway/runtime/usage_lookup.h"

#include "gateway/runtime/overlay_runtime.h"
#include "metrics/metrics.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::runtime {

router::LookupResult to_lookup_result(const Expected<usage::Resolution, usage::UsageError>& r) {
  using router::LookupStatus;
  if (!r) {
    const usage::UsageError& e = r.error();
    bool not_found = e.kind == usage::UsageError::Kind::kBadInput ||
                     (e.kind == usage::UsageError::Kind::kReload &&
                      e.code == static_cast<std::uint16_t>(wire::ErrorCode::kNotFound));
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
  if (!overlay_ || !joined_ || !joined_()) {
    return answer(cb, {router::LookupStatus::unreachable, {}});
  }
  ++pending_;
  overlay_->lookup(aor, [this, aor, cb](Expected<usage::Resolution, usage::UsageError> r) {
    --pending_;
    router::LookupResult result = to_lookup_result(r);
    if (!r) {
      log_->info("overlay lookup of {}: {}", aor, r.error().name());
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
