#include "overlay/wire/storage_types.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

void encode_model_specifier(Writer& w, const StoredDataSpecifier& v) {
  if (const auto* a = std::get_if<ArraySpecifier>(&v.model)) {
    if (a->indices.size() > kMaxArrayRanges) w.fail();
    Writer::Mark m = w.begin(2, 0xffff);
    for (const ArrayRange& range : a->indices) encode(w, range);
    w.end(m);
  } else if (const auto* d = std::get_if<DictionarySpecifier>(&v.model)) {
    if (d->keys.size() > kMaxDictionaryKeys) w.fail();
    Writer::Mark m = w.begin(2, 0xffff);
    for (const Bytes& key : d->keys) w.opaque(2, kMaxDictionaryKeyLength, key);
    w.end(m);
  } else if (const auto* u = std::get_if<UnknownSpecifier>(&v.model)) {
    w.raw(u->body);
  }
}

}  // namespace

DataModel model_of(const StoredDataValue& v) {
  if (std::holds_alternative<ArrayEntry>(v)) return DataModel::kArray;
  if (std::holds_alternative<DictionaryEntry>(v)) return DataModel::kDictionary;
  return DataModel::kSingle;
}

// ---- encode ----

void encode(Writer& w, const DataValue& v) {
  encode_boolean(w, v.exists);
  w.opaque(4, kMaxDataValueLength, v.value);
}

void encode(Writer& w, const ArrayEntry& v) {
  w.u32(v.index);
  encode(w, v.value);
}

void encode(Writer& w, const DictionaryEntry& v) {
  w.opaque(2, kMaxDictionaryKeyLength, v.key);
  encode(w, v.value);
}

void encode(Writer& w, const StoredDataValue& v) {
  std::visit([&w](const auto& x) { encode(w, x); }, v);
}

void encode(Writer& w, const StoredData& v) {
  Writer::Mark m = w.begin(4, kMaxStoredDataLength);
  w.u64(v.storage_time);
  w.u32(v.lifetime);
  encode(w, v.value);
  encode(w, v.signature);
  w.end(m);
}

void encode(Writer& w, const ArrayRange& v) {
  w.u32(v.first);
  w.u32(v.last);
}

void encode(Writer& w, const StoredDataSpecifier& v) {
  w.u32(v.kind);
  w.u64(v.generation);
  Writer::Mark m = w.begin(2, 0xffff);
  encode_model_specifier(w, v);
  w.end(m);
}

void encode(Writer& w, const MetaData& v) {
  encode_boolean(w, v.exists);
  w.u32(v.value_length);
  w.u8(v.hash_algorithm);
  w.opaque(1, kMaxHashValueLength, v.hash_value);
}

void encode(Writer& w, const ArrayEntryMeta& v) {
  w.u32(v.index);
  encode(w, v.value);
}

void encode(Writer& w, const DictionaryEntryMeta& v) {
  w.opaque(2, kMaxDictionaryKeyLength, v.key);
  encode(w, v.value);
}

void encode(Writer& w, const MetaDataValue& v) {
  std::visit([&w](const auto& x) { encode(w, x); }, v);
}

// §7.4.3.2: "The contents of the StoredMetaData structure are the same as the corresponding
// fields in StoredData": value_length corresponds to StoredData.length, the length of the rest
// of the structure (Wireshark's RELOAD dissector reads it so). The value's own length is
// MetaData.value_length. So it is computed here and v.value_length is not written.
void encode(Writer& w, const StoredMetaData& v) {
  Writer::Mark m = w.begin(4, kMaxStoredDataLength);
  w.u64(v.storage_time);
  w.u32(v.lifetime);
  encode(w, v.metadata);
  w.end(m);
}

// ---- decode ----

DataValue decode_data_value(Reader& r) {
  DataValue v;
  v.exists = decode_boolean(r, "DataValue.exists");
  v.value = r.opaque(4, kMaxDataValueLength, "DataValue.value");
  return v;
}

ArrayEntry decode_array_entry(Reader& r) {
  ArrayEntry v;
  v.index = r.u32("ArrayEntry.index");
  v.value = decode_data_value(r);
  return v;
}

DictionaryEntry decode_dictionary_entry(Reader& r) {
  DictionaryEntry v;
  v.key = r.opaque(2, kMaxDictionaryKeyLength, "DictionaryEntry.key");
  v.value = decode_data_value(r);
  return v;
}

StoredDataValue decode_stored_data_value(Reader& r, DataModel model) {
  switch (model) {
    case DataModel::kArray: return decode_array_entry(r);
    case DataModel::kDictionary: return decode_dictionary_entry(r);
    case DataModel::kSingle: break;
  }
  return decode_data_value(r);
}

StoredData decode_stored_data(Reader& r, DataModel model) {
  StoredData v;
  Reader body = r.sub(4, kMaxStoredDataLength, "StoredData.length");
  v.storage_time = body.u64("StoredData.storage_time");
  v.lifetime = body.u32("StoredData.lifetime");
  v.value = decode_stored_data_value(body, model);
  v.signature = decode_signature(body);
  body.expect_end("StoredData");
  r.absorb(body);
  return v;
}

ArrayRange decode_array_range(Reader& r) {
  ArrayRange v;
  v.first = r.u32("ArrayRange.first");
  v.last = r.u32("ArrayRange.last");
  return v;
}

StoredDataSpecifier decode_stored_data_specifier(Reader& r, const KindModelLookup& models) {
  StoredDataSpecifier v;
  v.kind = r.u32("StoredDataSpecifier.kind");
  v.generation = r.u64("StoredDataSpecifier.generation");
  Reader body = r.sub(2, 0xffff, "StoredDataSpecifier.length");
  std::optional<DataModel> model = body.ok() ? models(v.kind) : std::nullopt;
  if (!body.ok()) {
    // r carries the error; nothing to read.
  } else if (!model) {
    v.model = UnknownSpecifier{body.bytes(body.remaining(), "StoredDataSpecifier.model")};
  } else if (*model == DataModel::kArray) {
    Reader list = body.sub(2, 0xffff, "StoredDataSpecifier.indices");
    v.model = ArraySpecifier{decode_until_end<ArrayRange>(
        list, kMaxArrayRanges, "StoredDataSpecifier.indices count", decode_array_range)};
    body.absorb(list);
  } else if (*model == DataModel::kDictionary) {
    Reader list = body.sub(2, 0xffff, "StoredDataSpecifier.keys");
    v.model = DictionarySpecifier{decode_until_end<Bytes>(
        list, kMaxDictionaryKeys, "StoredDataSpecifier.keys count", [](Reader& x) {
          return x.opaque(2, kMaxDictionaryKeyLength, "DictionaryKey");
        })};
    body.absorb(list);
  }
  body.expect_end("StoredDataSpecifier.model_specifier");
  r.absorb(body);
  return v;
}

MetaData decode_meta_data(Reader& r) {
  MetaData v;
  v.exists = decode_boolean(r, "MetaData.exists");
  v.value_length = r.u32("MetaData.value_length");
  v.hash_algorithm = r.u8("MetaData.hash_algorithm");
  v.hash_value = r.opaque(1, kMaxHashValueLength, "MetaData.hash_value");
  return v;
}

MetaDataValue decode_meta_data_value(Reader& r, DataModel model) {
  switch (model) {
    case DataModel::kArray: {
      ArrayEntryMeta v;
      v.index = r.u32("ArrayEntryMeta.index");
      v.value = decode_meta_data(r);
      return v;
    }
    case DataModel::kDictionary: {
      DictionaryEntryMeta v;
      v.key = r.opaque(2, kMaxDictionaryKeyLength, "DictionaryEntryMeta.key");
      v.value = decode_meta_data(r);
      return v;
    }
    case DataModel::kSingle: break;
  }
  return decode_meta_data(r);
}

// value_length is read but not used as a bound: a sender that wrote the value's length (the
// field's name read alone) is understood as well as one that wrote the structure's length.
StoredMetaData decode_stored_meta_data(Reader& r, DataModel model) {
  StoredMetaData v;
  v.value_length = r.u32("StoredMetaData.value_length");
  v.storage_time = r.u64("StoredMetaData.storage_time");
  v.lifetime = r.u32("StoredMetaData.lifetime");
  v.metadata = decode_meta_data_value(r, model);
  return v;
}

Expected<StoredData, WireError> decode_stored_data(ByteView in, DataModel model) {
  return decode_whole<StoredData>(
      in, [model](Reader& r) { return decode_stored_data(r, model); }, "StoredData");
}

Bytes stored_data_signature_input(const ResourceId& resource, KindId kind,
                                  const StoredData& data) {
  Writer w;
  w.raw(resource.bytes);
  w.u32(kind);
  w.u64(data.storage_time);
  encode(w, data.value);
  encode(w, data.signature.identity);
  return std::move(w).take();
}

}  // namespace p2psip::wire
