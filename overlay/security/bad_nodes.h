#pragma once
// The configuration document's bad-node entries (RFC 6940 §11.1): "the certificate with this
// Node-ID MUST NOT be considered valid". A certificate is refused when any of its Node-IDs is
// listed. One list per node, replaced when a newer document arrives; each place that refuses
// something because of it counts the refusal here (links, message signers, stored data).

#include <array>
#include <cstdint>
#include <vector>

#include "overlay/security/certificate.h"
#include "overlay/security/identity.h"

namespace p2psip::security {

class BadNodes {
 public:
  enum class Refused : std::uint8_t { kLink, kMessage, kData };
  static constexpr std::size_t kKinds = 3;

  void replace(std::vector<NodeId> ids) { ids_ = std::move(ids); }
  const std::vector<NodeId>& ids() const { return ids_; }
  bool listed(const NodeId& id) const;
  bool listed(const Certificate& cert) const;
  // listed(cert), counted as a refusal of `what` when true.
  bool refuse(const Certificate& cert, Refused what);
  void count(Refused what) { ++refused_[static_cast<std::size_t>(what)]; }
  const std::array<std::uint64_t, kKinds>& refused() const { return refused_; }

 private:
  std::vector<NodeId> ids_;
  std::array<std::uint64_t, kKinds> refused_{};
};

}  // namespace p2psip::security
