// DataStore::drop_signed_by: values of a signer that a newer configuration lists as bad-node.
#include "overlay/storage/data_store.h"

#include <algorithm>
#include <iterator>

namespace p2psip::storage {

std::size_t DataStore::drop_signed_by(const std::function<bool(const wire::NodeId&)>& listed) {
  std::size_t dropped = 0;
  for (auto res = resources_.begin(); res != resources_.end();) {
    for (auto kind = res->second.begin(); kind != res->second.end();) {
      std::size_t n = std::erase_if(kind->second.entries, [&](const auto& e) {
        return e.second.signer.any_listed(listed, ByteView(e.first));
      });
      if (n > 0) ++kind->second.generation;  // the data changed (§7.4.1.1)
      dropped += n;
      kind = kind->second.entries.empty() ? res->second.erase(kind) : std::next(kind);
    }
    res = res->second.empty() ? resources_.erase(res) : std::next(res);
  }
  return dropped;
}

}  // namespace p2psip::storage
