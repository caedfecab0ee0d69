#include "overlay/link/admission.h"

#include <algorithm>
#include <tuple>

namespace p2psip::link {

namespace {

bool is_v4_mapped(const wire::IpAddressPort& a) {
  for (std::size_t i = 0; i < 10; ++i) {
    if (a.addr[i] != std::byte{0}) return false;
  }
  return a.addr[10] == std::byte{0xff} && a.addr[11] == std::byte{0xff};
}

}  // namespace

SourceKey source_key(const wire::IpAddressPort& remote) {
  SourceKey key;
  std::size_t from = 0, count = 4;
  if (remote.type == wire::AddressType::kIpv6) {
    if (is_v4_mapped(remote)) {
      from = 12;  // ::ffff:a.b.c.d is the IPv4 host a.b.c.d
    } else {
      key.v6 = true;
      count = 8;
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    key.bytes[i] = static_cast<std::uint8_t>(remote.addr[from + i]);
  }
  return key;
}

Admission HandshakeBudget::decide(const SourceKey& source, std::size_t verified_links) const {
  if (verified_links >= limits_.max_links) return {AdmissionVerdict::kRefuseLinksFull, {}};
  if (from(source) >= limits_.max_handshakes_per_source) {
    return {AdmissionVerdict::kRefusePerSource, {}};
  }
  if (pending_.size() < limits_.max_handshakes) return {AdmissionVerdict::kAdmit, {}};
  auto evict = victim();
  if (!evict) return {AdmissionVerdict::kRefusePerSource, {}};  // a budget of 0
  return {AdmissionVerdict::kAdmitEvicting, evict};
}

// Idle and trickling connections go before answered handshakes; among them the source
// holding most gives one up, its oldest first. A newcomer from a quiet source thus displaces
// a flood rather than a handshake of someone else that is making progress.
std::optional<LinkId> HandshakeBudget::victim() const {
  const Pending* best = nullptr;
  std::size_t best_count = 0;
  for (const Pending& p : pending_) {
    std::size_t count = from(p.source);
    if (best == nullptr ||
        std::tuple(!p.progressed, count, -p.accepted.count()) >
            std::tuple(!best->progressed, best_count, -best->accepted.count())) {
      best = &p;
      best_count = count;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->link;
}

void HandshakeBudget::add(LinkId link, const SourceKey& source, Micros accepted) {
  remove(link);
  pending_.push_back({link, source, accepted, false});
}

void HandshakeBudget::progressed(LinkId link) {
  for (Pending& p : pending_) {
    if (p.link == link) p.progressed = true;
  }
}

bool HandshakeBudget::may_verify(LinkId link, std::size_t verified_links) {
  remove(link);
  return verified_links < limits_.max_links;
}

void HandshakeBudget::remove(LinkId link) {
  std::erase_if(pending_, [&](const Pending& p) { return p.link == link; });
}

std::size_t HandshakeBudget::from(const SourceKey& source) const {
  return static_cast<std::size_t>(
      std::count_if(pending_.begin(), pending_.end(),
                    [&](const Pending& p) { return p.source == source; }));
}

}  // namespace p2psip::link
