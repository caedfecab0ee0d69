#include "overlay/security/bad_nodes.h"

#include <algorithm>

namespace p2psip::security {

bool BadNodes::listed(const NodeId& id) const {
  return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
}

bool BadNodes::listed(const Certificate& cert) const {
  return std::any_of(cert.node_ids().begin(), cert.node_ids().end(),
                     [&](const NodeId& id) { return listed(id); });
}

bool BadNodes::refuse(const Certificate& cert, Refused what) {
  if (!listed(cert)) return false;
  count(what);
  return true;
}

}  // namespace p2psip::security
