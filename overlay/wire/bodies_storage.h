#pragma once
// RFC 6940 §7.4 storage method bodies: Store, Fetch, Stat, Find, and the error_info payload
// of Error_Unknown_Kind. Codec convention: see ids.h; shared pieces in storage_types.h.
//
// Kinds whose data model the KindModelLookup does not know: their values are kept undecoded
// (`unknown_model_values`) so the peer can answer Error_Unknown_Kind (§7.4.1.2) listing them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/storage_types.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxKindsPerRequest = 64;        // kind_data / specifiers / ...
inline constexpr std::size_t kMaxReplicas = 16;               // replicas<0..2^16-1>
inline constexpr std::size_t kMaxFindKinds = 63;              // kinds<0..2^8-1> of uint32
inline constexpr std::size_t kMaxUnknownKinds = 63;           // unknown_kinds<0..2^8-1>

// struct { KindId kind; uint64 generation_counter; StoredData values<0..2^32-1>; }
struct StoreKindData {
  KindId kind = 0;
  GenerationCounter generation_counter = 0;
  std::vector<StoredData> values;
  std::optional<Bytes> unknown_model_values;  // values<> body of a kind of unknown model
  friend bool operator==(const StoreKindData&, const StoreKindData&) = default;
};

// struct { ResourceId resource; uint8 replica_number; StoreKindData kind_data<0..2^32-1>; }
struct StoreReq {
  ResourceId resource;
  std::uint8_t replica_number = 0;  // 0 on the responsible peer's own copy
  std::vector<StoreKindData> kind_data;
  friend bool operator==(const StoreReq&, const StoreReq&) = default;
  // Kinds decoded with an unknown data model, in order (for Error_Unknown_Kind).
  std::vector<KindId> unknown_kinds() const;
};

// struct { KindId kind; uint64 generation_counter; NodeId replicas<0..2^16-1>; }
struct StoreKindResponse {
  KindId kind = 0;
  GenerationCounter generation_counter = 0;
  std::vector<NodeId> replicas;
  friend bool operator==(const StoreKindResponse&, const StoreKindResponse&) = default;
};

// struct { StoreKindResponse kind_responses<0..2^16-1>; } StoreAns;
// Also the error_info of Error_Generation_Counter_Too_Low (§7.4.1.2).
struct StoreAns {
  std::vector<StoreKindResponse> kind_responses;
  friend bool operator==(const StoreAns&, const StoreAns&) = default;
};

// struct { ResourceId resource; StoredDataSpecifier specifiers<0..2^16-1>; } FetchReq;
struct FetchReq {
  ResourceId resource;
  std::vector<StoredDataSpecifier> specifiers;
  friend bool operator==(const FetchReq&, const FetchReq&) = default;
};

// struct { KindId kind; uint64 generation; StoredData values<0..2^32-1>; } FetchKindResponse;
struct FetchKindResponse {
  KindId kind = 0;
  GenerationCounter generation = 0;
  std::vector<StoredData> values;
  std::optional<Bytes> unknown_model_values;
  friend bool operator==(const FetchKindResponse&, const FetchKindResponse&) = default;
};

// struct { FetchKindResponse kind_responses<0..2^32-1>; } FetchAns;
struct FetchAns {
  std::vector<FetchKindResponse> kind_responses;
  friend bool operator==(const FetchAns&, const FetchAns&) = default;
};

// struct { ResourceId resource; StoredDataSpecifier specifiers<0..2^16-1>; } StatReq;
struct StatReq {
  ResourceId resource;
  std::vector<StoredDataSpecifier> specifiers;
  friend bool operator==(const StatReq&, const StatReq&) = default;
};

// struct { KindId kind; uint64 generation; StoredMetaData values<0..2^32-1>; }
struct StatKindResponse {
  KindId kind = 0;
  GenerationCounter generation = 0;
  std::vector<StoredMetaData> values;
  std::optional<Bytes> unknown_model_values;
  friend bool operator==(const StatKindResponse&, const StatKindResponse&) = default;
};

// struct { StatKindResponse kind_responses<0..2^32-1>; } StatAns;
struct StatAns {
  std::vector<StatKindResponse> kind_responses;
  friend bool operator==(const StatAns&, const StatAns&) = default;
};

// struct { ResourceId resource; KindId kinds<0..2^8-1>; } FindReq;
struct FindReq {
  ResourceId resource;
  std::vector<KindId> kinds;
  friend bool operator==(const FindReq&, const FindReq&) = default;
};

// struct { KindId kind; ResourceId closest; } FindKindData;
struct FindKindData {
  KindId kind = 0;
  ResourceId closest;  // empty when the peer stores nothing of that kind (§7.4.4.2)
  friend bool operator==(const FindKindData&, const FindKindData&) = default;
};

// struct { FindKindData results<0..2^16-1>; } FindAns;
struct FindAns {
  std::vector<FindKindData> results;
  friend bool operator==(const FindAns&, const FindAns&) = default;
};

// KindId unknown_kinds<0..2^8-1>: the error_info of Error_Unknown_Kind (§7.4.1.2).
struct UnknownKinds {
  std::vector<KindId> kinds;
  friend bool operator==(const UnknownKinds&, const UnknownKinds&) = default;
};

// ---- codec ----
void encode(Writer& w, const StoreKindData& v);
void encode(Writer& w, const StoreReq& v);
void encode(Writer& w, const StoreKindResponse& v);
void encode(Writer& w, const StoreAns& v);
void encode(Writer& w, const FetchReq& v);
void encode(Writer& w, const FetchKindResponse& v);
void encode(Writer& w, const FetchAns& v);
void encode(Writer& w, const StatReq& v);
void encode(Writer& w, const StatKindResponse& v);
void encode(Writer& w, const StatAns& v);
void encode(Writer& w, const FindReq& v);
void encode(Writer& w, const FindKindData& v);
void encode(Writer& w, const FindAns& v);
void encode(Writer& w, const UnknownKinds& v);

StoreKindData decode_store_kind_data(Reader& r, const KindModelLookup& models);
StoreReq decode_store_req(Reader& r, const KindModelLookup& models);
StoreKindResponse decode_store_kind_response(Reader& r);
StoreAns decode_store_ans(Reader& r);
FetchReq decode_fetch_req(Reader& r, const KindModelLookup& models);
FetchKindResponse decode_fetch_kind_response(Reader& r, const KindModelLookup& models);
FetchAns decode_fetch_ans(Reader& r, const KindModelLookup& models);
StatReq decode_stat_req(Reader& r, const KindModelLookup& models);
StatKindResponse decode_stat_kind_response(Reader& r, const KindModelLookup& models);
StatAns decode_stat_ans(Reader& r, const KindModelLookup& models);
FindReq decode_find_req(Reader& r);
FindKindData decode_find_kind_data(Reader& r);
FindAns decode_find_ans(Reader& r);
UnknownKinds decode_unknown_kinds(Reader& r);

// Whole message_body entry points.
Expected<StoreReq, WireError> decode_store_req(ByteView in, const KindModelLookup& models);
Expected<StoreAns, WireError> decode_store_ans(ByteView in);
Expected<FetchReq, WireError> decode_fetch_req(ByteView in, const KindModelLookup& models);
Expected<FetchAns, WireError> decode_fetch_ans(ByteView in, const KindModelLookup& models);
Expected<StatReq, WireError> decode_stat_req(ByteView in, const KindModelLookup& models);
Expected<StatAns, WireError> decode_stat_ans(ByteView in, const KindModelLookup& models);
Expected<FindReq, WireError> decode_find_req(ByteView in);
Expected<FindAns, WireError> decode_find_ans(ByteView in);
Expected<UnknownKinds, WireError> decode_unknown_kinds(ByteView in);

}  // namespace p2psip::wire
