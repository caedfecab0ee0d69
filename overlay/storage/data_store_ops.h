#pragma once
// Internal helpers shared by data_store.cpp and data_store_query.cpp.

#include <string_view>

#include "overlay/storage/data_store.h"

namespace p2psip::storage::detail {

Bytes array_key(std::uint32_t index);
std::uint32_t array_index(const Bytes& key);
// The map key of a value of this model ("" / index / dictionary key).
Bytes entry_key(const wire::StoredDataValue& v);
const wire::DataValue& data_value(const wire::StoredDataValue& v);
// The stored value with its lifetime replaced by what is left of it at `now` (rounded up).
wire::StoredData with_remaining_lifetime(const DataStore::Entry& e, WallMs now);
// The stored value with the lifetime counted from its storage_time (the receiver of a copy
// counts from there, data_store.cpp); from `now` when storage_time lies ahead of it.
wire::StoredData with_lifetime_from_storage(const DataStore::Entry& e, WallMs now);
bool has_unknown_model(const wire::StoredDataSpecifier& spec, DataModel model);
StorageError unknown_kinds_error(std::vector<KindId> kinds);
std::string kind_text(std::string_view what, KindId kind);

}  // namespace p2psip::storage::detail
