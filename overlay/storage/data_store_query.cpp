// DataStore: Fetch, Stat and Find (RFC 6940 §7.4.2 - §7.4.4).
#include <openssl/sha.h>

#include <array>
#include <deque>
#include <set>

#include "overlay/storage/data_store.h"
#include "overlay/storage/data_store_ops.h"
#include "overlay/storage/resource_id.h"

namespace p2psip::storage {

using wire::ErrorCode;

namespace {

using Entries = std::map<Bytes, DataStore::Entry, BytesLess>;
using Selected = std::vector<const DataStore::Entry*>;

void select_ranges(const Entries& entries, const wire::ArraySpecifier& spec, Selected& out) {
  std::set<const DataStore::Entry*> taken;
  for (const wire::ArrayRange& r : spec.indices) {
    if (r.first > r.last) continue;
    auto it = entries.lower_bound(detail::array_key(r.first));
    auto end = entries.upper_bound(detail::array_key(r.last));
    for (; it != end; ++it) {
      if (taken.insert(&it->second).second) out.push_back(&it->second);
    }
  }
}

// §7.4.2.2: "A nonexistent value ... is represented by a synthetic value with "exists" set to
// False and has an empty signature": identity none, algorithms {0, 0}, no signature value;
// storage_time 0, lifetime 0.
DataStore::Entry synthetic_entry(const Bytes& key) {
  wire::StoredData d;
  d.value = wire::DictionaryEntry{key, wire::DataValue{false, {}}};
  d.signature.algorithm = {wire::kHashNone, wire::kSignatureAnonymous};  // {0, 0}
  d.signature.identity.type = wire::SignerIdentityType::kNone;
  return DataStore::Entry{std::move(d), 0, {}};
}

// The values a specifier asks for, in the order the answer lists them; an absent dictionary
// key gets a synthetic value (kept in `synthetic`).
Selected select(const Entries& entries, const wire::StoredDataSpecifier& spec,
                std::deque<DataStore::Entry>& synthetic) {
  Selected out;
  if (const auto* a = std::get_if<wire::ArraySpecifier>(&spec.model)) {
    select_ranges(entries, *a, out);
  } else if (const auto* d = std::get_if<wire::DictionarySpecifier>(&spec.model);
             d && !d->keys.empty()) {
    std::set<Bytes, BytesLess> keys(d->keys.begin(), d->keys.end());
    for (const Bytes& k : keys) {
      auto it = entries.find(k);
      if (it != entries.end()) {
        out.push_back(&it->second);
      } else {
        out.push_back(&synthetic.emplace_back(synthetic_entry(k)));
      }
    }
  } else {
    for (const auto& [key, e] : entries) out.push_back(&e);
  }
  if (out.size() > kMaxValuesPerAnswer) out.resize(kMaxValuesPerAnswer);
  return out;
}

wire::MetaData meta_of(const wire::DataValue& v) {
  wire::MetaData m;
  m.exists = v.exists;
  m.value_length = static_cast<std::uint32_t>(v.value.size());
  m.hash_algorithm = wire::kHashSha256;
  // hash_value covers the value field with its 4 leading length bytes (§7.4.3.2).
  Bytes input = detail::array_key(m.value_length);
  input.insert(input.end(), v.value.begin(), v.value.end());
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  for (unsigned char c : digest) m.hash_value.push_back(std::byte{c});
  return m;
}

wire::StoredMetaData stored_meta_of(const wire::StoredData& d) {
  wire::StoredMetaData out;
  const wire::DataValue& dv = detail::data_value(d.value);
  out.value_length = static_cast<std::uint32_t>(dv.value.size());
  out.storage_time = d.storage_time;
  out.lifetime = d.lifetime;
  if (const auto* a = std::get_if<wire::ArrayEntry>(&d.value)) {
    out.metadata = wire::ArrayEntryMeta{a->index, meta_of(dv)};
  } else if (const auto* e = std::get_if<wire::DictionaryEntry>(&d.value)) {
    out.metadata = wire::DictionaryEntryMeta{e->key, meta_of(dv)};
  } else {
    out.metadata = meta_of(dv);
  }
  return out;
}

}  // namespace

// Shared by Fetch and Stat: checks the specifiers, then calls emit(kind, generation, values).
template <class Emit>
static StorageResult<bool> for_each_specifier(const KindRegistry& kinds,
                                              const std::vector<wire::StoredDataSpecifier>& specs,
                                              const DataStore& store,
                                              const wire::ResourceId& resource, Emit&& emit) {
  std::vector<KindId> unknown;
  for (const wire::StoredDataSpecifier& s : specs) {
    const KindDef* def = kinds.find(s.kind);
    if (!def) {
      unknown.push_back(s.kind);
    } else if (detail::has_unknown_model(s, def->model)) {
      return unexpected(storage_error(ErrorCode::kInvalidMessage,
                                      detail::kind_text("specifier of the wrong model", s.kind)));
    }
  }
  if (!unknown.empty()) return unexpected(detail::unknown_kinds_error(std::move(unknown)));
  for (const wire::StoredDataSpecifier& s : specs) {
    wire::GenerationCounter gen = store.generation(resource, s.kind);
    const DataStore::KindState* state = store.kind_state(resource, s.kind);
    static const Entries kNone;
    const Entries& entries = state ? state->entries : kNone;
    // A fetcher that already holds the current generation gets no values again.
    bool unchanged = s.generation != 0 && s.generation == gen;
    std::deque<DataStore::Entry> synthetic;
    emit(s.kind, gen, unchanged ? Selected{} : select(entries, s, synthetic));
  }
  return true;
}

StorageResult<wire::FetchAns> DataStore::fetch(const wire::FetchReq& req, WallMs now) {
  expire(now);
  wire::FetchAns ans;
  auto emit = [&](KindId kind, wire::GenerationCounter gen, const Selected& sel) {
    wire::FetchKindResponse r{kind, gen, {}, std::nullopt};
    for (const Entry* e : sel) r.values.push_back(detail::with_remaining_lifetime(*e, now));
    ans.kind_responses.push_back(std::move(r));
  };
  auto ok = for_each_specifier(kinds_, req.specifiers, *this, req.resource, emit);
  if (!ok) return unexpected(std::move(ok).error());
  return ans;
}

StorageResult<wire::StatAns> DataStore::stat(const wire::StatReq& req, WallMs now) {
  expire(now);
  wire::StatAns ans;
  auto emit = [&](KindId kind, wire::GenerationCounter gen, const Selected& sel) {
    wire::StatKindResponse r{kind, gen, {}, std::nullopt};
    for (const Entry* e : sel) {
      r.values.push_back(stored_meta_of(detail::with_remaining_lifetime(*e, now)));
    }
    ans.kind_responses.push_back(std::move(r));
  };
  auto ok = for_each_specifier(kinds_, req.specifiers, *this, req.resource, emit);
  if (!ok) return unexpected(std::move(ok).error());
  return ans;
}

// closest: the first Resource-ID at or after the requested one holding data of the kind
// (the walk R_n+1 = nearest(1 + R_n) of §7.4.4); 0 when there is none or the kind is unknown.
StorageResult<wire::FindAns> DataStore::find(const wire::FindReq& req, WallMs now) {
  expire(now);
  std::set<KindId> seen;
  wire::FindAns ans;
  for (KindId kind : req.kinds) {
    if (!seen.insert(kind).second) {
      return unexpected(storage_error(ErrorCode::kInvalidMessage,
                                      detail::kind_text("repeated", kind)));
    }
    wire::FindKindData r{kind, zero_resource_id()};
    if (kinds_.find(kind)) {
      for (auto it = resources_.lower_bound(req.resource); it != resources_.end(); ++it) {
        if (it->second.count(kind)) {
          r.closest = it->first;
          break;
        }
      }
    }
    ans.results.push_back(std::move(r));
  }
  return ans;
}

}  // namespace p2psip::storage
