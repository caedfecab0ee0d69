#pragma once
// The plain phones' current registrations: AoR -> contacts with their expiry. Pure: time comes
// in with every call, nothing runs by itself. The caller asks next_expiry() to arm one timer and
// calls expire(now) when it fires, then removes what expired from the overlay.
//
// Contacts are compared as strings (the SIP side passes them as the phone sent them). When an
// AoR would exceed max_per_aor bindings, the one closest to expiry is dropped to make room.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "gateway/registrar/registrar.h"

namespace p2psip::registrar {

struct Binding {
  std::string contact;
  Millis expires_at{0};
  // Seconds left at `now` (rounded up), for the Contact ;expires= of a 200 response.
  std::uint32_t seconds_left(Millis now) const;
};

struct Expired {
  std::string aor;
  std::string contact;
};

class BindingTable {
 public:
  explicit BindingTable(std::size_t max_per_aor = 10) : max_per_aor_(max_per_aor) {}

  // Applies a registrar decision: removes first (a "*" clears the AoR), then stores (a known
  // contact gets its new expiry). Returns the bindings dropped to respect max_per_aor.
  std::vector<Expired> apply(const Accepted& accepted, Millis now);
  // The unexpired bindings of an AoR, soonest expiry first.
  std::vector<Binding> lookup(std::string_view aor, Millis now) const;
  // Drops every binding expired at `now` and returns them.
  std::vector<Expired> expire(Millis now);
  // Drops every binding of the AoRs `gone(aor)` names and returns them (a phone removed from
  // the phones file by a reload).
  std::vector<Expired> drop(const std::function<bool(const std::string& aor)>& gone);
  // When the next binding expires, if any.
  std::optional<Millis> next_expiry() const;
  std::size_t size() const;  // bindings, expired or not

 private:
  std::size_t max_per_aor_;
  std::map<std::string, std::vector<Binding>, std::less<>> table_;
};

}  // namespace p2psip::registrar
