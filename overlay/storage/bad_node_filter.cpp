#include "overlay/storage/bad_node_filter.h"

#include <algorithm>

namespace p2psip::storage {

std::optional<SignerInfo> BadNodeFilter::verify(const wire::Signature& signature, ByteView input) {
  auto signer = inner_->verify(signature, input);
  if (!signer) return signer;
  bool listed = std::any_of(signer->node_ids.begin(), signer->node_ids.end(), [&](const wire::NodeId& id) {
    return bad_nodes_.listed(id.bytes());
  });
  if (!listed) return signer;
  bad_nodes_.count(security::BadNodes::Refused::kData);
  return std::nullopt;
}

}  // namespace p2psip::storage
