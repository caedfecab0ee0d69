#include "overlay/storage/data_store.h"

#include <algorithm>
#include <set>

#include "overlay/chord/ring.h"
#include "overlay/storage/access.h"
#include "overlay/storage/data_store_ops.h"

namespace p2psip::storage {

using detail::kind_text;
using wire::ErrorCode;

StorageError storage_error(ErrorCode code, std::string_view text) {
  return StorageError{code, to_bytes(text)};
}

namespace {

// The key a value is stored under; an append (array index 0xffffffff) goes past the end.
StorageResult<Bytes> placement(const wire::StoredDataValue& value,
                               const DataStore::KindState& state) {
  const auto* a = std::get_if<wire::ArrayEntry>(&value);
  if (!a || a->index != kArrayAppendIndex) return detail::entry_key(value);
  std::uint32_t next = 0;
  if (!state.entries.empty()) {
    std::uint32_t last = detail::array_index(state.entries.rbegin()->first);
    if (last + 1 == kArrayAppendIndex) {
      return unexpected(storage_error(ErrorCode::kDataTooLarge, "array is full"));
    }
    next = last + 1;
  }
  return detail::array_key(next);
}

wire::StoredData placed(wire::StoredData data, const Bytes& key) {
  if (auto* a = std::get_if<wire::ArrayEntry>(&data.value)) a->index = detail::array_index(key);
  return data;
}

}  // namespace

StorageResult<DataStore::KindState> DataStore::apply_kind(const wire::StoreReq& req,
                                                          const wire::StoreKindData& kd,
                                                          KindState state, WallMs now,
                                                          DataVerifier& verifier) const {
  const KindDef& def = *kinds_.find(kd.kind);
  bool changed = false;
  for (const wire::StoredData& data : kd.values) {
    if (wire::model_of(data.value) != def.model) {
      return unexpected(storage_error(ErrorCode::kInvalidMessage,
                                      kind_text("value of the wrong data model", kd.kind)));
    }
    if (detail::data_value(data.value).value.size() > def.max_size) {
      return unexpected(storage_error(ErrorCode::kDataTooLarge, kind_text("value", kd.kind)));
    }
    auto signer = verify_stored_data(verifier, req.resource, kd.kind, data);
    if (!signer) {
      return unexpected(storage_error(ErrorCode::kForbidden,
                                      kind_text("bad stored-data signature", kd.kind)));
    }
    if (!access_allowed(def, req.resource, data.value, *signer)) {
      return unexpected(storage_error(
          ErrorCode::kForbidden, kind_text(std::string(to_string(def.policy)) +
                                               " refuses the signer", kd.kind)));
    }
    // A value lives `lifetime` from its storage_time, and no longer than that from now (§7.1
    // counts the lifetime from the StoreReq's arrival; it is not covered by the signature,
    // storage_time is): a replayed old value does not come back to life, whatever lifetime
    // the replayer writes next to it.
    std::uint64_t span = std::uint64_t{data.lifetime} * 1000;
    // Saturating: a storage_time near 2^64 must not wrap into the past.
    WallMs from_storage = data.storage_time > ~WallMs{0} - span ? ~WallMs{0}
                                                                 : data.storage_time + span;
    if (data.lifetime > 0 && from_storage <= now) {
      if (req.replica_number > 0) continue;  // a stale copy: merged away
      return unexpected(storage_error(ErrorCode::kDataTooOld,
                                      kind_text("value expired by its storage_time", kd.kind)));
    }
    auto key = placement(data.value, state);
    if (!key) return unexpected(std::move(key).error());
    Entry entry{placed(data, *key), std::min(now + span, from_storage),
                SignerIds(signer->node_ids, ByteView(*key))};
    auto it = state.entries.find(*key);
    if (it != state.entries.end()) {
      // A replica copy never replaces a value at least as new: replication merges.
      if (req.replica_number > 0 && data.storage_time <= it->second.data.storage_time) continue;
      if (data.storage_time <= it->second.data.storage_time) {
        return unexpected(storage_error(ErrorCode::kDataTooOld, kind_text("value", kd.kind)));
      }
    }
    state.entries.insert_or_assign(std::move(*key), std::move(entry));
    changed = true;
  }
  if (state.entries.size() > def.max_count) {
    return unexpected(storage_error(ErrorCode::kDataTooLarge,
                                    kind_text("more values than max-count", kd.kind)));
  }
  if (req.replica_number > 0) {
    // §7.4.1.1: a replica Store sets the counter to the message's, unchecked. A copy that
    // changed nothing here (every value already held, as new) leaves ours as it is.
    if (changed) state.generation = kd.generation_counter;
  } else if (changed) {
    ++state.generation;
  }
  return state;
}

StorageError DataStore::generation_error(const wire::StoreReq& req) const {
  wire::StoreAns current;
  for (const wire::StoreKindData& kd : req.kind_data) {
    current.kind_responses.push_back({kd.kind, generation(req.resource, kd.kind), {}});
  }
  StorageError e{ErrorCode::kGenerationCounterTooLow, {}};
  auto body = wire::encode_to_bytes(current);
  if (body) e.error_info = std::move(*body);
  return e;
}

StorageResult<wire::StoreAns> DataStore::store(const wire::StoreReq& req, WallMs now,
                                               DataVerifier& verifier) {
  expire(now);
  std::vector<KindId> unknown = req.unknown_kinds();
  std::set<KindId> seen;
  for (const wire::StoreKindData& kd : req.kind_data) {
    if (!kd.unknown_model_values && !kinds_.find(kd.kind)) unknown.push_back(kd.kind);
    if (!seen.insert(kd.kind).second) {
      return unexpected(storage_error(ErrorCode::kInvalidMessage, kind_text("repeated", kd.kind)));
    }
  }
  if (!unknown.empty()) return unexpected(detail::unknown_kinds_error(std::move(unknown)));
  for (const wire::StoreKindData& kd : req.kind_data) {
    if (req.replica_number == 0 && kd.generation_counter != 0 &&
        kd.generation_counter != generation(req.resource, kd.kind)) {
      return unexpected(generation_error(req));
    }
  }
  Resource updated;
  auto existing = resources_.find(req.resource);
  if (existing != resources_.end()) updated = existing->second;
  wire::StoreAns ans;
  for (const wire::StoreKindData& kd : req.kind_data) {
    auto state = apply_kind(req, kd, updated[kd.kind], now, verifier);
    if (!state) return unexpected(std::move(state).error());
    ans.kind_responses.push_back({kd.kind, state->generation, {}});
    updated[kd.kind] = std::move(*state);
  }
  schedule(req.resource, updated);
  resources_[req.resource] = std::move(updated);
  expire(now);  // lifetime 0 stores nothing
  return ans;
}

namespace {

std::optional<WallMs> first_expiry(const DataStore::Resource& res) {
  std::optional<WallMs> first;
  for (const auto& [kind, state] : res) {
    for (const auto& [key, e] : state.entries) {
      if (!first || e.expires_at < *first) first = e.expires_at;
    }
  }
  return first;
}

}  // namespace

void DataStore::schedule(const wire::ResourceId& id, const Resource& res) {
  if (auto first = first_expiry(res)) expiry_queue_.emplace(*first, id);
}

// Invariant: whenever a resource's earliest expiry changes, an entry for the new time is
// queued (by store() or here). So a popped entry earlier than the resource's current earliest
// expiry is stale and dropped, and the queue holds about one entry per store in flight.
void DataStore::expire(WallMs now) {
  while (!expiry_queue_.empty() && expiry_queue_.begin()->first <= now) {
    wire::ResourceId id = std::move(expiry_queue_.begin()->second);
    expiry_queue_.erase(expiry_queue_.begin());
    auto res = resources_.find(id);
    if (res == resources_.end()) continue;
    auto first = first_expiry(res->second);
    if (first && *first > now) continue;  // stale: the resource changed since
    for (auto& [kind, state] : res->second) {
      std::erase_if(state.entries, [&](const auto& kv) { return kv.second.expires_at <= now; });
    }
    // A kind keeps its generation counter while any value of it is left.
    std::erase_if(res->second, [](const auto& kv) { return kv.second.entries.empty(); });
    if (res->second.empty()) {
      resources_.erase(res);
    } else {
      schedule(id, res->second);
    }
  }
}

// The earliest queued time; it may be early (a stale entry), never late: an early expire()
// finds nothing due and re-queues.
std::optional<WallMs> DataStore::next_expiry() const {
  if (expiry_queue_.empty()) return std::nullopt;
  return expiry_queue_.begin()->first;
}

std::vector<wire::ResourceId> DataStore::resources() const {
  std::vector<wire::ResourceId> out;
  for (const auto& [id, res] : resources_) out.push_back(id);
  return out;
}

std::vector<wire::ResourceId> DataStore::resources_in_range(const wire::NodeId& after,
                                                            const wire::NodeId& upto) const {
  std::vector<wire::ResourceId> out;
  for (const auto& [id, res] : resources_) {
    if (chord::between_left_open(after, chord::ring_point(id), upto)) out.push_back(id);
  }
  return out;
}

std::optional<wire::StoreReq> DataStore::export_resource(const wire::ResourceId& resource,
                                                         WallMs now,
                                                         std::uint8_t replica_number) const {
  auto it = resources_.find(resource);
  if (it == resources_.end()) return std::nullopt;
  wire::StoreReq req{resource, replica_number, {}};
  for (const auto& [kind, state] : it->second) {
    wire::StoreKindData kd{kind, state.generation, {}, std::nullopt};
    for (const auto& [key, e] : state.entries) {
      if (e.expires_at > now) kd.values.push_back(detail::with_lifetime_from_storage(e, now));
    }
    if (!kd.values.empty()) req.kind_data.push_back(std::move(kd));
  }
  if (req.kind_data.empty()) return std::nullopt;
  return req;
}

void DataStore::for_each_resource(
    const std::function<void(const wire::ResourceId&, const Resource&)>& visit) const {
  for (const auto& [id, res] : resources_) visit(id, res);
}

bool DataStore::erase_resource(const wire::ResourceId& resource) {
  return resources_.erase(resource) > 0;
}

std::size_t DataStore::value_count() const {
  std::size_t n = 0;
  for (const auto& [id, res] : resources_) {
    for (const auto& [kind, state] : res) n += state.entries.size();
  }
  return n;
}

const DataStore::KindState* DataStore::kind_state(const wire::ResourceId& resource,
                                                  KindId kind) const {
  auto res = resources_.find(resource);
  if (res == resources_.end()) return nullptr;
  auto it = res->second.find(kind);
  return it == res->second.end() ? nullptr : &it->second;
}

wire::GenerationCounter DataStore::generation(const wire::ResourceId& resource,
                                              KindId kind) const {
  const KindState* s = kind_state(resource, kind);
  return s ? s->generation : 0;
}

}  // namespace p2psip::storage
