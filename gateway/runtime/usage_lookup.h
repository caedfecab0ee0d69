#pragma once
// The proxy's OverlayLookup backed by the SIP usage client of the gateway's own overlay node
// (RFC 7904 fetch with uri-form indirection, signatures checked by the client). found: the
// uri-form contacts outside the overlay; not_found: nothing registered (or only route-form
// registrations, which a SIP proxy cannot use); unreachable: not joined, no overlay attached,
// a timeout or an overlay error. Counts p2psip_overlay_lookups_total{result}. Loop thread.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "gateway/router/overlay_lookup.h"
#include "overlay/usage/aor_walk.h"
#include "overlay/usage/request_sender.h"

namespace p2psip::metrics {
class GatewayMetrics;
}

namespace p2psip::runtime {

class OverlayRuntime;

// Pure: what the router makes of a usage lookup's outcome.
router::LookupResult to_lookup_result(const Expected<usage::Resolution, usage::UsageError>& r);

class UsageLookup final : public router::OverlayLookup {
 public:
  UsageLookup(std::function<bool()> joined, metrics::GatewayMetrics& metrics,
              std::shared_ptr<spdlog::logger> log);
  // The overlay once it runs; nullptr before it starts and once it is gone.
  void attach(OverlayRuntime* overlay) { overlay_ = overlay; }
  void lookup(const std::string& aor, Callback cb) override;
  // Lookups sent to the overlay and not answered yet (an overload signal, overload.h).
  std::size_t pending() const { return pending_; }

 private:
  void answer(const Callback& cb, router::LookupResult r);

  std::function<bool()> joined_;
  metrics::GatewayMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  OverlayRuntime* overlay_ = nullptr;
  std::size_t pending_ = 0;
};

}  // namespace p2psip::runtime
