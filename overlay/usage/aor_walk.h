#pragma once
// The uri-form indirection walk of an AoR lookup (RFC 7904 §4), as a pure state machine so
// that the synchronous resolve_aor() and the asynchronous SipUsageClient share one logic:
//
//   AorWalk walk(aor, overlay_domain, max_depth);
//   while (auto aor = walk.next()) walk.on_registrations(fetch(*aor));
//   Resolution r = walk.result();
//
// Breadth first: an AoR reachable by a short chain is looked up at that depth even when a
// longer chain names it first. Loops are cut by the visited set; a uri-form registration that
// names an AoR of the overlay domain at max_depth marks depth_exceeded instead of a lookup.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "overlay/wire/sip_registration.h"

namespace p2psip::usage {

struct Resolution {
  std::vector<std::string> uris;                   // uri-form targets outside the overlay
  std::vector<wire::SipRegistration> routes;       // route-form registrations
  std::vector<std::string> visited;                // normalised AoRs looked up, in order
  bool depth_exceeded = false;                     // some indirection went past max_depth
  std::size_t failed_lookups = 0;                  // fetches that failed (timeout, error)
  std::size_t rejected_values = 0;                 // values whose signature or signer failed
  // Of the registrations the answers held (RFC 6940 §7): the shortest lifetime (s) and the
  // earliest storage_time + lifetime (Unix ms, the storers' clocks); 0: none seen.
  std::uint32_t min_lifetime_s = 0;
  std::uint64_t earliest_expiry_ms = 0;
  bool empty() const { return uris.empty() && routes.empty(); }
};

class AorWalk {
 public:
  // An `aor` that does not normalise gives a walk with nothing to fetch.
  AorWalk(std::string_view aor, std::string_view overlay_domain, std::size_t max_depth);

  // The next normalised AoR to fetch; nullopt when the walk is over. Each AoR next() returns
  // must be answered with on_registrations() or on_failure() before next() is called again.
  std::optional<std::string> next();
  void on_registrations(std::vector<wire::SipRegistration> registrations);
  void on_failure() { ++out_.failed_lookups; current_.reset(); }
  void add_rejected(std::size_t n) { out_.rejected_values += n; }
  // One registration's validity, from its StoredData (lifetime s, storage_time ms).
  void add_validity(std::uint32_t lifetime_s, std::uint64_t storage_time_ms);

  const Resolution& result() const { return out_; }
  Resolution take() { return std::move(out_); }

 private:
  std::string domain_;
  std::size_t max_depth_;
  std::deque<std::pair<std::string, std::size_t>> queue_;  // (aor, depth)
  std::optional<std::pair<std::string, std::size_t>> current_;
  std::set<std::string> seen_;
  Resolution out_;
};

}  // namespace p2psip::usage
