#include "overlay/storage/data_store_ops.h"

#include <algorithm>
#include <string>

namespace p2psip::storage {

bool BytesLess::operator()(ByteView a, ByteView b) const {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return a.size() < b.size();
}

}  // namespace p2psip::storage

namespace p2psip::storage::detail {

Bytes array_key(std::uint32_t index) {
  Bytes key;
  for (int shift = 24; shift >= 0; shift -= 8) {
    key.push_back(static_cast<std::byte>((index >> shift) & 0xff));
  }
  return key;
}

std::uint32_t array_index(const Bytes& key) {
  std::uint32_t v = 0;
  for (std::byte b : key) v = (v << 8) | std::to_integer<std::uint32_t>(b);
  return v;
}

Bytes entry_key(const wire::StoredDataValue& v) {
  if (const auto* a = std::get_if<wire::ArrayEntry>(&v)) return array_key(a->index);
  if (const auto* d = std::get_if<wire::DictionaryEntry>(&v)) return d->key;
  return {};
}

const wire::DataValue& data_value(const wire::StoredDataValue& v) {
  if (const auto* a = std::get_if<wire::ArrayEntry>(&v)) return a->value;
  if (const auto* d = std::get_if<wire::DictionaryEntry>(&v)) return d->value;
  return std::get<wire::DataValue>(v);
}

wire::StoredData with_remaining_lifetime(const DataStore::Entry& e, WallMs now) {
  wire::StoredData d = e.data;
  WallMs left = e.expires_at > now ? e.expires_at - now : 0;
  d.lifetime = static_cast<std::uint32_t>((left + 999) / 1000);
  return d;
}

wire::StoredData with_lifetime_from_storage(const DataStore::Entry& e, WallMs now) {
  wire::StoredData d = with_remaining_lifetime(e, now);
  if (d.storage_time <= now && e.expires_at > d.storage_time) {
    d.lifetime = static_cast<std::uint32_t>((e.expires_at - d.storage_time + 999) / 1000);
  }
  return d;
}

bool has_unknown_model(const wire::StoredDataSpecifier& spec, DataModel model) {
  switch (model) {
    case DataModel::kSingle: return !std::holds_alternative<wire::SingleSpecifier>(spec.model);
    case DataModel::kArray: return !std::holds_alternative<wire::ArraySpecifier>(spec.model);
    case DataModel::kDictionary:
      return !std::holds_alternative<wire::DictionarySpecifier>(spec.model);
  }
  return true;
}

StorageError unknown_kinds_error(std::vector<KindId> kinds) {
  StorageError e{wire::ErrorCode::kUnknownKind, {}};
  if (kinds.size() > wire::kMaxUnknownKinds) kinds.resize(wire::kMaxUnknownKinds);
  auto body = wire::encode_to_bytes(wire::UnknownKinds{std::move(kinds)});
  if (body) e.error_info = std::move(*body);
  return e;
}

std::string kind_text(std::string_view what, KindId kind) {
  return std::string(what) + " (kind " + std::to_string(kind) + ")";
}

}  // namespace p2psip::storage::detail
