#include "overlay/wire/bodies_storage.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

// values<0..2^32-1> of one kind: decoded with the kind's data model, or kept as bytes when the
// lookup does not know the kind.
template <class T, class F>
void decode_kind_values(Reader& r, const KindModelLookup& models, KindId kind,
                        std::vector<T>& values, std::optional<Bytes>& unknown,
                        const char* what, F&& one) {
  Reader body = r.sub(4, kMaxStorageVectorLength, what);
  std::optional<DataModel> model = body.ok() ? models(kind) : std::nullopt;
  if (body.ok() && !model) {
    unknown = body.bytes(body.remaining(), what);
  } else if (body.ok()) {
    values = decode_until_end<T>(body, kMaxStoredDataPerKind, what,
                                 [&](Reader& x) { return one(x, *model); });
  }
  r.absorb(body);
}

template <class T>
void encode_kind_values(Writer& w, const std::vector<T>& values,
                        const std::optional<Bytes>& unknown) {
  if (unknown) {
    if (!values.empty()) w.fail();  // one or the other
    w.opaque(4, kMaxStorageVectorLength, *unknown);
    return;
  }
  encode_list(w, 4, kMaxStorageVectorLength, kMaxStoredDataPerKind, values,
              [](Writer& x, const T& v) { encode(x, v); });
}

template <class T>
void encode_each(Writer& x, const T& v) {
  encode(x, v);
}

std::vector<StoredDataSpecifier> decode_specifiers(Reader& r, const KindModelLookup& models,
                                                   const char* what) {
  return decode_list<StoredDataSpecifier>(
      r, 2, 0xffff, kMaxKindsPerRequest, what,
      [&models](Reader& x) { return decode_stored_data_specifier(x, models); });
}

}  // namespace

std::vector<KindId> StoreReq::unknown_kinds() const {
  std::vector<KindId> out;
  for (const StoreKindData& k : kind_data) {
    if (k.unknown_model_values) out.push_back(k.kind);
  }
  return out;
}

// ---- encode ----

void encode(Writer& w, const StoreKindData& v) {
  w.u32(v.kind);
  w.u64(v.generation_counter);
  encode_kind_values(w, v.values, v.unknown_model_values);
}

void encode(Writer& w, const StoreReq& v) {
  encode(w, v.resource);
  w.u8(v.replica_number);
  encode_list(w, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, v.kind_data,
              encode_each<StoreKindData>);
}

void encode(Writer& w, const StoreKindResponse& v) {
  w.u32(v.kind);
  w.u64(v.generation_counter);
  encode_list(w, 2, 0xffff, kMaxReplicas, v.replicas, encode_each<NodeId>);
}

void encode(Writer& w, const StoreAns& v) {
  encode_list(w, 2, 0xffff, kMaxKindsPerRequest, v.kind_responses,
              encode_each<StoreKindResponse>);
}

void encode(Writer& w, const FetchReq& v) {
  encode(w, v.resource);
  encode_list(w, 2, 0xffff, kMaxKindsPerRequest, v.specifiers,
              encode_each<StoredDataSpecifier>);
}

void encode(Writer& w, const FetchKindResponse& v) {
  w.u32(v.kind);
  w.u64(v.generation);
  encode_kind_values(w, v.values, v.unknown_model_values);
}

void encode(Writer& w, const FetchAns& v) {
  encode_list(w, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, v.kind_responses,
              encode_each<FetchKindResponse>);
}

void encode(Writer& w, const StatReq& v) {
  encode(w, v.resource);
  encode_list(w, 2, 0xffff, kMaxKindsPerRequest, v.specifiers,
              encode_each<StoredDataSpecifier>);
}

void encode(Writer& w, const StatKindResponse& v) {
  w.u32(v.kind);
  w.u64(v.generation);
  encode_kind_values(w, v.values, v.unknown_model_values);
}

void encode(Writer& w, const StatAns& v) {
  encode_list(w, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, v.kind_responses,
              encode_each<StatKindResponse>);
}

void encode(Writer& w, const FindReq& v) {
  encode(w, v.resource);
  encode_list(w, 1, 0xff, kMaxFindKinds, v.kinds, [](Writer& x, KindId k) { x.u32(k); });
}

void encode(Writer& w, const FindKindData& v) {
  w.u32(v.kind);
  encode(w, v.closest);
}

void encode(Writer& w, const FindAns& v) {
  encode_list(w, 2, 0xffff, kMaxKindsPerRequest, v.results, encode_each<FindKindData>);
}

void encode(Writer& w, const UnknownKinds& v) {
  encode_list(w, 1, 0xff, kMaxUnknownKinds, v.kinds, [](Writer& x, KindId k) { x.u32(k); });
}

// ---- decode ----

StoreKindData decode_store_kind_data(Reader& r, const KindModelLookup& models) {
  StoreKindData v;
  v.kind = r.u32("StoreKindData.kind");
  v.generation_counter = r.u64("StoreKindData.generation_counter");
  decode_kind_values(r, models, v.kind, v.values, v.unknown_model_values,
                     "StoreKindData.values", [](Reader& x, DataModel m) {
                       return decode_stored_data(x, m);
                     });
  return v;
}

StoreReq decode_store_req(Reader& r, const KindModelLookup& models) {
  StoreReq v;
  v.resource = decode_resource_id(r);
  v.replica_number = r.u8("StoreReq.replica_number");
  v.kind_data = decode_list<StoreKindData>(
      r, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, "StoreReq.kind_data",
      [&models](Reader& x) { return decode_store_kind_data(x, models); });
  return v;
}

StoreKindResponse decode_store_kind_response(Reader& r) {
  StoreKindResponse v;
  v.kind = r.u32("StoreKindResponse.kind");
  v.generation_counter = r.u64("StoreKindResponse.generation_counter");
  v.replicas = decode_list<NodeId>(r, 2, 0xffff, kMaxReplicas, "StoreKindResponse.replicas",
                                   decode_node_id);
  return v;
}

StoreAns decode_store_ans(Reader& r) {
  StoreAns v;
  v.kind_responses = decode_list<StoreKindResponse>(
      r, 2, 0xffff, kMaxKindsPerRequest, "StoreAns.kind_responses", decode_store_kind_response);
  return v;
}

FetchReq decode_fetch_req(Reader& r, const KindModelLookup& models) {
  FetchReq v;
  v.resource = decode_resource_id(r);
  v.specifiers = decode_specifiers(r, models, "FetchReq.specifiers");
  return v;
}

FetchKindResponse decode_fetch_kind_response(Reader& r, const KindModelLookup& models) {
  FetchKindResponse v;
  v.kind = r.u32("FetchKindResponse.kind");
  v.generation = r.u64("FetchKindResponse.generation");
  decode_kind_values(r, models, v.kind, v.values, v.unknown_model_values,
                     "FetchKindResponse.values", [](Reader& x, DataModel m) {
                       return decode_stored_data(x, m);
                     });
  return v;
}

FetchAns decode_fetch_ans(Reader& r, const KindModelLookup& models) {
  FetchAns v;
  v.kind_responses = decode_list<FetchKindResponse>(
      r, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, "FetchAns.kind_responses",
      [&models](Reader& x) { return decode_fetch_kind_response(x, models); });
  return v;
}

StatReq decode_stat_req(Reader& r, const KindModelLookup& models) {
  StatReq v;
  v.resource = decode_resource_id(r);
  v.specifiers = decode_specifiers(r, models, "StatReq.specifiers");
  return v;
}

StatKindResponse decode_stat_kind_response(Reader& r, const KindModelLookup& models) {
  StatKindResponse v;
  v.kind = r.u32("StatKindResponse.kind");
  v.generation = r.u64("StatKindResponse.generation");
  decode_kind_values(r, models, v.kind, v.values, v.unknown_model_values,
                     "StatKindResponse.values", [](Reader& x, DataModel m) {
                       return decode_stored_meta_data(x, m);
                     });
  return v;
}

StatAns decode_stat_ans(Reader& r, const KindModelLookup& models) {
  StatAns v;
  v.kind_responses = decode_list<StatKindResponse>(
      r, 4, kMaxStorageVectorLength, kMaxKindsPerRequest, "StatAns.kind_responses",
      [&models](Reader& x) { return decode_stat_kind_response(x, models); });
  return v;
}

FindReq decode_find_req(Reader& r) {
  FindReq v;
  v.resource = decode_resource_id(r);
  v.kinds = decode_list<KindId>(r, 1, 0xff, kMaxFindKinds, "FindReq.kinds",
                                [](Reader& x) { return x.u32("FindReq.kinds entry"); });
  return v;
}

FindKindData decode_find_kind_data(Reader& r) {
  FindKindData v;
  v.kind = r.u32("FindKindData.kind");
  v.closest = decode_resource_id(r);
  return v;
}

FindAns decode_find_ans(Reader& r) {
  FindAns v;
  v.results = decode_list<FindKindData>(r, 2, 0xffff, kMaxKindsPerRequest, "FindAns.results",
                                        decode_find_kind_data);
  return v;
}

UnknownKinds decode_unknown_kinds(Reader& r) {
  UnknownKinds v;
  v.kinds = decode_list<KindId>(r, 1, 0xff, kMaxUnknownKinds, "unknown_kinds",
                                [](Reader& x) { return x.u32("unknown_kinds entry"); });
  return v;
}

// ---- whole bodies ----

Expected<StoreReq, WireError> decode_store_req(ByteView in, const KindModelLookup& models) {
  return decode_whole<StoreReq>(
      in, [&models](Reader& r) { return decode_store_req(r, models); }, "StoreReq");
}
Expected<StoreAns, WireError> decode_store_ans(ByteView in) {
  return decode_whole<StoreAns>(in, [](Reader& r) { return decode_store_ans(r); }, "StoreAns");
}
Expected<FetchReq, WireError> decode_fetch_req(ByteView in, const KindModelLookup& models) {
  return decode_whole<FetchReq>(
      in, [&models](Reader& r) { return decode_fetch_req(r, models); }, "FetchReq");
}
Expected<FetchAns, WireError> decode_fetch_ans(ByteView in, const KindModelLookup& models) {
  return decode_whole<FetchAns>(
      in, [&models](Reader& r) { return decode_fetch_ans(r, models); }, "FetchAns");
}
Expected<StatReq, WireError> decode_stat_req(ByteView in, const KindModelLookup& models) {
  return decode_whole<StatReq>(
      in, [&models](Reader& r) { return decode_stat_req(r, models); }, "StatReq");
}
Expected<StatAns, WireError> decode_stat_ans(ByteView in, const KindModelLookup& models) {
  return decode_whole<StatAns>(
      in, [&models](Reader& r) { return decode_stat_ans(r, models); }, "StatAns");
}
Expected<FindReq, WireError> decode_find_req(ByteView in) {
  return decode_whole<FindReq>(in, [](Reader& r) { return decode_find_req(r); }, "FindReq");
}
Expected<FindAns, WireError> decode_find_ans(ByteView in) {
  return decode_whole<FindAns>(in, [](Reader& r) { return decode_find_ans(r); }, "FindAns");
}
Expected<UnknownKinds, WireError> decode_unknown_kinds(ByteView in) {
  return decode_whole<UnknownKinds>(
      in, [](Reader& r) { return decode_unknown_kinds(r); }, "unknown_kinds");
}

}  // namespace p2psip::wire
