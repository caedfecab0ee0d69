#pragma once
// RFC 6940 §7 storage structures shared by Store, Fetch and Stat: data models, DataValue,
// ArrayEntry, DictionaryEntry, StoredData (with its Signature), StoredDataSpecifier and the
// Stat metadata.
//
// The data model of a kind is never on the wire: it comes from the overlay configuration. So
// decoders of model-dependent structures take the DataModel, and the per-kind containers in
// bodies_storage.h take a KindModelLookup. Codec convention: see ids.h.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"  // Signature, SignerIdentity
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

using KindId = std::uint32_t;            // typedef uint32 KindId (§6.5.4.1)
using GenerationCounter = std::uint64_t; // §7.4.1.1 generation_counter / §7.4.2 generation

// §7.2 / §14.7. Not a wire value: the numbers only name the models inside this program.
enum class DataModel : std::uint8_t { kSingle = 1, kArray = 2, kDictionary = 3 };

// Which data model a kind uses; nullopt for a kind the overlay configuration does not know.
using KindModelLookup = std::function<std::optional<DataModel>(KindId)>;

// ---- caps (checked before anything is allocated) ----
// One StoredData (its uint32 length field). Far above any message size a config allows.
inline constexpr std::size_t kMaxStoredDataLength = 1u << 20;
// DataValue.value<0..2^32-1>; capped like the StoredData holding it.
inline constexpr std::size_t kMaxDataValueLength = kMaxStoredDataLength;
inline constexpr std::size_t kMaxDictionaryKeyLength = 0xffff;  // DictionaryKey<0..2^16-1>
inline constexpr std::size_t kMaxStoredDataPerKind = 4096;      // values<> entries per kind
inline constexpr std::size_t kMaxArrayRanges = 1024;            // indices<0..2^16-1>
inline constexpr std::size_t kMaxDictionaryKeys = 1024;         // keys<0..2^16-1>
inline constexpr std::size_t kMaxHashValueLength = 255;         // hash_value<0..255>
// Any one values<0..2^32-1> / kind_responses<0..2^32-1> vector body.
inline constexpr std::size_t kMaxStorageVectorLength = 16u << 20;

// struct { Boolean exists; opaque value<0..2^32-1>; } DataValue;
struct DataValue {
  bool exists = false;
  Bytes value;
  friend bool operator==(const DataValue&, const DataValue&) = default;
};

// struct { uint32 index; DataValue value; } ArrayEntry;
struct ArrayEntry {
  std::uint32_t index = 0;
  DataValue value;
  friend bool operator==(const ArrayEntry&, const ArrayEntry&) = default;
};

// struct { DictionaryKey key; DataValue value; } DictionaryEntry;  DictionaryKey<0..2^16-1>
struct DictionaryEntry {
  Bytes key;
  DataValue value;
  friend bool operator==(const DictionaryEntry&, const DictionaryEntry&) = default;
};

// select (DataModel) { single_value: DataValue; array: ArrayEntry; dictionary: DictionaryEntry }
using StoredDataValue = std::variant<DataValue, ArrayEntry, DictionaryEntry>;
DataModel model_of(const StoredDataValue& v);

// struct { uint32 length; uint64 storage_time; uint32 lifetime; StoredDataValue value;
//          Signature signature; } StoredData;  (length is computed, not stored)
struct StoredData {
  std::uint64_t storage_time = 0;  // ms since the Unix epoch (§7)
  std::uint32_t lifetime = 0;      // seconds
  StoredDataValue value;
  Signature signature;
  friend bool operator==(const StoredData&, const StoredData&) = default;
};

// struct { int32 first; int32 last; } ArrayRange;  The RFC types these int32; they are the same
// 4 big-endian bytes as the uint32 ArrayEntry.index they select, so they are held as uint32.
struct ArrayRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  friend bool operator==(const ArrayRange&, const ArrayRange&) = default;
};

struct SingleSpecifier {
  friend bool operator==(const SingleSpecifier&, const SingleSpecifier&) = default;
};
struct ArraySpecifier {
  std::vector<ArrayRange> indices;
  friend bool operator==(const ArraySpecifier&, const ArraySpecifier&) = default;
};
struct DictionarySpecifier {
  std::vector<Bytes> keys;  // empty: every entry (a SIP-REGISTRATION lookup)
  friend bool operator==(const DictionarySpecifier&, const DictionarySpecifier&) = default;
};
// The model_specifier of a kind whose data model the lookup did not know, kept as bytes.
struct UnknownSpecifier {
  Bytes body;
  friend bool operator==(const UnknownSpecifier&, const UnknownSpecifier&) = default;
};

// struct { KindId kind; uint64 generation; uint16 length; select (DataModel) {...}
//          model_specifier; } StoredDataSpecifier;
struct StoredDataSpecifier {
  KindId kind = 0;
  GenerationCounter generation = 0;
  std::variant<SingleSpecifier, ArraySpecifier, DictionarySpecifier, UnknownSpecifier> model;
  friend bool operator==(const StoredDataSpecifier&, const StoredDataSpecifier&) = default;
};

// struct { Boolean exists; uint32 value_length; HashAlgorithm hash_algorithm;
//          opaque hash_value<0..255>; } MetaData;
struct MetaData {
  bool exists = false;
  std::uint32_t value_length = 0;
  std::uint8_t hash_algorithm = 0;  // TLS HashAlgorithm (sha256 = 4)
  Bytes hash_value;
  friend bool operator==(const MetaData&, const MetaData&) = default;
};
struct ArrayEntryMeta {
  std::uint32_t index = 0;
  MetaData value;
  friend bool operator==(const ArrayEntryMeta&, const ArrayEntryMeta&) = default;
};
struct DictionaryEntryMeta {
  Bytes key;
  MetaData value;
  friend bool operator==(const DictionaryEntryMeta&, const DictionaryEntryMeta&) = default;
};
using MetaDataValue = std::variant<MetaData, ArrayEntryMeta, DictionaryEntryMeta>;

// struct { uint32 value_length; uint64 storage_time; uint32 lifetime;
//          MetaDataValue metadata; } StoredMetaData;
// The RFC's value_length is the length of the rest of the structure, as StoredData.length
// (§7.4.3.2): encode computes it; decode keeps what the sender wrote (either reading).
struct StoredMetaData {
  std::uint32_t value_length = 0;  // as received; ignored by encode
  std::uint64_t storage_time = 0;
  std::uint32_t lifetime = 0;
  MetaDataValue metadata;
  friend bool operator==(const StoredMetaData&, const StoredMetaData&) = default;
};

// ---- codec ----
void encode(Writer& w, const DataValue& v);
void encode(Writer& w, const ArrayEntry& v);
void encode(Writer& w, const DictionaryEntry& v);
void encode(Writer& w, const StoredDataValue& v);
void encode(Writer& w, const StoredData& v);
void encode(Writer& w, const ArrayRange& v);
void encode(Writer& w, const StoredDataSpecifier& v);
void encode(Writer& w, const MetaData& v);
void encode(Writer& w, const ArrayEntryMeta& v);
void encode(Writer& w, const DictionaryEntryMeta& v);
void encode(Writer& w, const MetaDataValue& v);
void encode(Writer& w, const StoredMetaData& v);

DataValue decode_data_value(Reader& r);
ArrayEntry decode_array_entry(Reader& r);
DictionaryEntry decode_dictionary_entry(Reader& r);
StoredDataValue decode_stored_data_value(Reader& r, DataModel model);
StoredData decode_stored_data(Reader& r, DataModel model);
ArrayRange decode_array_range(Reader& r);
// An unknown kind (lookup gives nullopt) keeps its model_specifier as UnknownSpecifier.
StoredDataSpecifier decode_stored_data_specifier(Reader& r, const KindModelLookup& models);
MetaData decode_meta_data(Reader& r);
MetaDataValue decode_meta_data_value(Reader& r, DataModel model);
StoredMetaData decode_stored_meta_data(Reader& r, DataModel model);

Expected<StoredData, WireError> decode_stored_data(ByteView in, DataModel model);

// The bytes a stored-data signature covers (§7.1): resource_id || kind || storage_time ||
// StoredDataValue || SignerIdentity. §7.1 does not say whether resource_id keeps its
// opaque<0..2^8-1> length byte; it is the raw ID bytes here (like overlay and transaction_id
// in the message signature input). Revisit if an interop peer disagrees.
Bytes stored_data_signature_input(const ResourceId& resource, KindId kind,
                                  const StoredData& data);

}  // namespace p2psip::wire
