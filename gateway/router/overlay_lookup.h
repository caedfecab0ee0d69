#pragma once
// The seam between the proxy and the overlay: "which contacts are registered for this AoR?"
// (RFC 7904 SIP-REGISTRATION fetch). The integrator plugs in the overlay's SIP usage client.
// Called and answered on the loop thread; the callback may run before lookup() returns or
// later, exactly once.

#include <functional>
#include <string>

#include "gateway/router/router.h"

namespace p2psip::router {

class OverlayLookup {
 public:
  using Callback = std::function<void(LookupResult)>;
  virtual ~OverlayLookup() = default;
  // `aor` is "user@domain" (make_aor()).
  virtual void lookup(const std::string& aor, Callback cb) = 0;
};

}  // namespace p2psip::router
