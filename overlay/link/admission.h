#pragma once
// Admission of incoming overlay connections (DESIGN.md §10, "outsiders on the overlay port").
// Anyone can open a TCP connection to the overlay port; only a completed TLS handshake with a
// certificate of the overlay's CA makes it a verified link. So connections still in their
// handshake get a small budget of their own, apart from the verified links: a total, a limit
// per source address (an IPv4 address, an IPv6 /64, since one host there holds a whole /64),
// and (in Connection) a short deadline counted from accept, not from the last byte.
//
// When the budget is full a newcomer takes the place of one unverified handshake: one whose
// ClientHello is not complete yet before one we have answered, then one of the source holding
// most handshakes, then the oldest. A
// verified link is never evicted for a handshake; when verified links are full, a newly
// verified incoming link is refused instead.
//
// Pure: no sockets and no clock; the LinkManager tells it what happens, with timestamps.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "overlay/link/link_types.h"
#include "overlay/wire/ids.h"

namespace p2psip::link {

// The unit of the per-source limit.
struct SourceKey {
  std::array<std::uint8_t, 8> bytes{};  // IPv4: 4 bytes; IPv6: the /64 prefix
  bool v6 = false;
  friend bool operator==(const SourceKey&, const SourceKey&) = default;
};
// IPv4 (and IPv4-mapped IPv6) addresses by address, other IPv6 addresses by their /64.
SourceKey source_key(const wire::IpAddressPort& remote);

struct AdmissionLimits {
  std::size_t max_links = 1024;               // verified links (both directions)
  std::size_t max_handshakes = 64;            // incoming handshakes in progress
  std::size_t max_handshakes_per_source = 8;  // of those, from one SourceKey
};

enum class AdmissionVerdict {
  kAdmit,             // a free handshake slot
  kAdmitEvicting,     // admit once `evict` is closed
  kRefuseLinksFull,   // verified links are at their limit: no use starting a handshake
  kRefusePerSource,   // this source already has its share of handshakes in progress
};

struct Admission {
  AdmissionVerdict verdict = AdmissionVerdict::kAdmit;
  std::optional<LinkId> evict;  // only with kAdmitEvicting
  bool admitted() const {
    return verdict == AdmissionVerdict::kAdmit || verdict == AdmissionVerdict::kAdmitEvicting;
  }
};

class HandshakeBudget {
 public:
  explicit HandshakeBudget(AdmissionLimits limits) : limits_(limits) {}

  // A new incoming connection from `source`, with `verified_links` links up right now.
  Admission decide(const SourceKey& source, std::size_t verified_links) const;
  // The connection was admitted (after closing the evicted one, if any).
  void add(LinkId link, const SourceKey& source, Micros accepted);
  // Its whole ClientHello arrived (we answered it): a real handshake in progress.
  void progressed(LinkId link);
  // Its handshake completed (incoming): may it become a verified link? Leaves the budget
  // either way.
  bool may_verify(LinkId link, std::size_t verified_links);
  // It is gone (failed, timed out, evicted, closed). Unknown ids are ignored.
  void remove(LinkId link);

  std::size_t size() const { return pending_.size(); }
  std::size_t from(const SourceKey& source) const;
  const AdmissionLimits& limits() const { return limits_; }

 private:
  struct Pending {
    LinkId link;
    SourceKey source;
    Micros accepted;
    bool progressed = false;
  };
  std::optional<LinkId> victim() const;

  AdmissionLimits limits_;
  std::vector<Pending> pending_;  // at most limits_.max_handshakes entries
};

}  // namespace p2psip::link
