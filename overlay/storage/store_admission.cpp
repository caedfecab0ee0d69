#include "overlay/storage/store_admission.h"

#include <algorithm>

#include "overlay/chord/ring.h"
#include "overlay/storage/access.h"
#include "overlay/storage/data_store_ops.h"

namespace p2psip::storage {

using wire::ErrorCode;

bool responsible_for(const RingView& ring, const wire::ResourceId& resource) {
  if (!ring.member) return false;
  if (ring.predecessors.empty()) return true;  // alone: the whole ring is ours
  return chord::between_left_open(ring.predecessors.front(), chord::ring_point(resource),
                                  ring.self);
}

std::vector<wire::NodeId> known_replica_set(const RingView& ring,
                                            const wire::ResourceId& resource) {
  wire::NodeId k = chord::ring_point(resource);
  std::vector<wire::NodeId> nodes = ring.known;
  nodes.push_back(ring.self);
  std::sort(nodes.begin(), nodes.end(), [&](const wire::NodeId& a, const wire::NodeId& b) {
    return chord::distance(k, a) < chord::distance(k, b);
  });
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  if (nodes.size() > ring.replicas + 1) nodes.resize(ring.replicas + 1);
  return nodes;
}

bool plausible_replica_sender(const RingView& ring, const wire::ResourceId& resource,
                              const wire::NodeId& sender) {
  auto set = known_replica_set(ring, resource);
  // Fewer nodes known than a replica set holds (a node still joining gets its §10.5 hand-off
  // before its routing table fills): nothing to judge the sender by.
  if (set.size() <= ring.replicas) return true;
  wire::NodeId k = chord::ring_point(resource);
  // In the set, or closer to the resource than its farthest member (a node we do not know
  // yet, e.g. one that has just joined).
  return chord::distance(k, sender) <= chord::distance(k, set.back());
}

namespace {

std::optional<StorageError> request_signer_error(const wire::StoreReq& req,
                                                 const KindRegistry& kinds,
                                                 const std::optional<SignerInfo>& signer) {
  if (!signer) {
    return storage_error(ErrorCode::kForbidden, "no certificate for the StoreReq's signer");
  }
  for (const wire::StoreKindData& kd : req.kind_data) {
    const KindDef* def = kinds.find(kd.kind);
    if (!def) continue;  // DataStore::store answers Error_Unknown_Kind
    for (const wire::StoredData& data : kd.values) {
      if (!access_allowed(*def, req.resource, data.value, *signer)) {
        return storage_error(ErrorCode::kForbidden,
                             detail::kind_text(std::string(to_string(def->policy)) +
                                                   " refuses the StoreReq's signer", kd.kind));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<StorageError> admit_store(const wire::StoreReq& req, const KindRegistry& kinds,
                                        const RingView& ring, const wire::NodeId& sender,
                                        const std::optional<SignerInfo>& request_signer,
                                        bool judge_request_signer) {
  if (req.replica_number == 0) {
    if (!responsible_for(ring, req.resource)) {
      return storage_error(ErrorCode::kNotFound, "not responsible for the resource");
    }
    if (!judge_request_signer) return std::nullopt;
    return request_signer_error(req, kinds, request_signer);
  }
  for (const wire::StoreKindData& kd : req.kind_data) {
    if (kd.generation_counter == 0) {
      return storage_error(ErrorCode::kInvalidMessage,
                           detail::kind_text("replica Store with generation counter 0", kd.kind));
    }
  }
  // Not only members: a joining node gets its hand-off (§10.5 step 6) before it is one.
  if (!plausible_replica_sender(ring, req.resource, sender)) {
    return storage_error(ErrorCode::kForbidden,
                         "replica Store from a node that is not in the replica set");
  }
  return std::nullopt;
}

}  // namespace p2psip::storage
