#include "overlay/storage/kinds.h"

#include "overlay/wire/sip_registration.h"

namespace p2psip::storage {

const char* to_string(AccessPolicy p) {
  switch (p) {
    case AccessPolicy::kUserMatch: return "USER-MATCH";
    case AccessPolicy::kNodeMatch: return "NODE-MATCH";
    case AccessPolicy::kUserNodeMatch: return "USER-NODE-MATCH";
    case AccessPolicy::kNodeMultiple: return "NODE-MULTIPLE";
  }
  return "?";
}

KindDef sip_registration_kind(std::uint32_t max_count, std::uint32_t max_size) {
  return KindDef{wire::kSipRegistrationKindId, DataModel::kDictionary,
                 AccessPolicy::kUserNodeMatch, max_count, max_size, 0};
}

KindDef certificate_by_node_kind() {
  return KindDef{kCertificateByNodeKindId, DataModel::kArray, AccessPolicy::kNodeMatch,
                 kDefaultCertificateMaxCount, kDefaultCertificateMaxSize, 0};
}

KindDef certificate_by_user_kind() {
  return KindDef{kCertificateByUserKindId, DataModel::kArray, AccessPolicy::kUserMatch,
                 kDefaultCertificateMaxCount, kDefaultCertificateMaxSize, 0};
}

bool is_certificate_kind(KindId id) {
  return id == kCertificateByNodeKindId || id == kCertificateByUserKindId;
}

std::vector<KindDef> default_kinds() {
  return {sip_registration_kind(), certificate_by_node_kind(), certificate_by_user_kind()};
}

bool KindRegistry::add(const KindDef& def) {
  if (def.policy == AccessPolicy::kUserNodeMatch && def.model != DataModel::kDictionary) {
    return false;
  }
  if (def.policy == AccessPolicy::kNodeMultiple && def.max_node_multiple == 0) return false;
  return kinds_.emplace(def.id, def).second;
}

bool KindRegistry::update(const KindDef& def) {
  auto it = kinds_.find(def.id);
  if (it == kinds_.end()) return add(def);
  if (it->second.model != def.model || it->second.policy != def.policy) return false;
  it->second.max_count = def.max_count;
  it->second.max_size = def.max_size;
  return true;
}

const KindDef* KindRegistry::find(KindId id) const {
  auto it = kinds_.find(id);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::optional<DataModel> KindRegistry::model(KindId id) const {
  const KindDef* def = find(id);
  if (!def) return std::nullopt;
  return def->model;
}

wire::KindModelLookup KindRegistry::model_lookup() const {
  return [this](KindId id) { return model(id); };
}

}  // namespace p2psip::storage
