#include "overlay/storage/access.h"

#include <algorithm>

#include "overlay/storage/resource_id.h"
#include "overlay/storage/user_name.h"

namespace p2psip::storage {

namespace {

// §7.3.1: the hash of the certificate's user name; RFC 7904 §7 matches the AoR only after
// %-decoding (and the domain's case does not matter), so the user name's normal form
// (user_name.h, the one the requester hashes) is accepted too.
bool user_match(const wire::ResourceId& resource, const SignerInfo& signer) {
  if (signer.user.empty()) return false;
  if (resource_id_of(signer.user) == resource) return true;
  auto normal = normal_user_name(signer.user);
  return normal && resource_id_of(*normal) == resource;
}

bool node_match(const wire::ResourceId& resource, const SignerInfo& signer) {
  return std::any_of(signer.node_ids.begin(), signer.node_ids.end(),
                     [&](const wire::NodeId& n) { return node_resource_id(n) == resource; });
}

bool key_is_signer_node(const wire::StoredDataValue& value, const SignerInfo& signer) {
  const auto* entry = std::get_if<wire::DictionaryEntry>(&value);
  if (!entry) return false;
  auto key = wire::NodeId::from_bytes(entry->key);
  if (!key) return false;
  return std::find(signer.node_ids.begin(), signer.node_ids.end(), *key) !=
         signer.node_ids.end();
}

bool node_multiple(const KindDef& kind, const wire::ResourceId& resource,
                   const SignerInfo& signer) {
  for (const wire::NodeId& n : signer.node_ids) {
    for (std::uint32_t i = 1; i <= kind.max_node_multiple; ++i) {
      if (node_multiple_resource_id(n, i) == resource) return true;
    }
  }
  return false;
}

}  // namespace

bool access_allowed(const KindDef& kind, const wire::ResourceId& resource,
                    const wire::StoredDataValue& value, const SignerInfo& signer) {
  switch (kind.policy) {
    case AccessPolicy::kUserMatch: return user_match(resource, signer);
    case AccessPolicy::kNodeMatch: return node_match(resource, signer);
    case AccessPolicy::kUserNodeMatch:
      return user_match(resource, signer) && key_is_signer_node(value, signer);
    case AccessPolicy::kNodeMultiple: return node_multiple(kind, resource, signer);
  }
  return false;
}

}  // namespace p2psip::storage
