#pragma once
// The seam between the proxy and the overlay: "which contacts are registered for this AoR?"
// (RFC 7904 SIP-REGISTRATION fetch). The integrator plugs in the overlay's SIP usage client;
// until then the gateway uses JoinStateLookup. Called and answered on the loop thread; the
// callback may run before lookup() returns or later, exactly once.

#include <functional>
#include <string>
#include <utility>

#include "gateway/router/router.h"

namespace p2psip::router {

class OverlayLookup {
 public:
  using Callback = std::function<void(LookupResult)>;
  virtual ~OverlayLookup() = default;
  // `aor` is "user@domain" (make_aor()).
  virtual void lookup(const std::string& aor, Callback cb) = 0;
};

// Stand-in while no overlay client is wired: "unreachable" while the node has not joined,
// otherwise "not found" (nothing is stored yet).
class JoinStateLookup final : public OverlayLookup {
 public:
  explicit JoinStateLookup(std::function<bool()> joined) : joined_(std::move(joined)) {}
  void lookup(const std::string&, Callback cb) override {
    cb(LookupResult{joined_ && joined_() ? LookupStatus::not_found : LookupStatus::unreachable,
                    {}});
  }

 private:
  std::function<bool()> joined_;
};

}  // namespace p2psip::router
