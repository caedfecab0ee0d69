#pragma once
// The proxy's OverlayLookup backed by the gateway's own overlay node (RFC 7904 fetch with
// uri-form indirection, signatures checked by the library). found: the uri-form contacts
// outside the overlay; not_found: nothing registered (or only route-form registrations,
// which a SIP proxy cannot use); unreachable: not joined, no overlay attached, a timeout or
// an overlay error. Counts p2psip_overlay_lookups_total{result}. Loop thread.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "gateway/router/overlay_lookup.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::metrics {
class GatewayMetrics;
}

namespace p2psip::runtime {

// Pure: what the router makes of a lookup's outcome.
router::LookupResult to_lookup_result(const Expected<overlay::Resolution, overlay::Failure>& r);

class UsageLookup final : public router::OverlayLookup {
 public:
  UsageLookup(std::function<bool()> joined, metrics::GatewayMetrics& metrics,
              std::shared_ptr<spdlog::logger> log);
  // The overlay node once it runs; nullptr before it starts and once it is gone. `observe`
  // gets each lookup's duration in seconds (p2psip_overlay_lookup_duration_seconds).
  void attach(overlay::Node* node, std::function<void(double)> observe = {}) {
    node_ = node;
    observe_ = std::move(observe);
  }
  void lookup(const std::string& aor, Callback cb) override;
  // Lookups sent to the overlay and not answered yet (an overload signal, overload.h).
  std::size_t pending() const { return pending_; }

 private:
  void answer(const Callback& cb, router::LookupResult r);

  std::function<bool()> joined_;
  metrics::GatewayMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  overlay::Node* node_ = nullptr;
  std::function<void(double)> observe_;
  std::size_t pending_ = 0;
};

}  // namespace p2psip::runtime
