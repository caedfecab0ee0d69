#include "overlay/security/renewal.h"

#include <algorithm>

#include "overlay/security/identity.h"

namespace p2psip::security {

namespace {

std::string id_list(const std::vector<NodeId>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + node_id_hex(id);
  return out;
}

bool same_ids(std::vector<NodeId> a, std::vector<NodeId> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

Expected<void, std::string> check_renewal(const Certificate& running, const Certificate& renewed,
                                          std::span<const RootCertificate> roots, SysSeconds now) {
  if (!iequals(renewed.overlay(), running.overlay())) {
    return unexpected("the certificate is for overlay '" + renewed.overlay() + "', not '" +
                      running.overlay() + "'");
  }
  if (!same_ids(renewed.node_ids(), running.node_ids())) {
    return unexpected("the certificate holds Node-ID(s) " + id_list(renewed.node_ids()) +
                      ", not this node's " + id_list(running.node_ids()) +
                      " (RFC 6940 §11.3: a renewal keeps the Node-ID; another one needs a restart)");
  }
  if (!iequals(renewed.user(), running.user())) {
    return unexpected("the certificate is for user '" + renewed.user() + "', not this node's '" +
                      running.user() + "'");
  }
  if (auto chain = renewed.verify_chain(roots, now); !chain) {
    return unexpected("the certificate does not chain to the overlay root or is not valid now: " +
                      chain.error());
  }
  return {};
}

}  // namespace p2psip::security
