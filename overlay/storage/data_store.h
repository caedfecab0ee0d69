#pragma once
// The data a peer stores (RFC 6940 §7.4): applies Store, Fetch, Stat and Find bodies for one
// Resource-ID and returns the answer body or an error. Pure: wall-clock ms come in with each
// call, stored-data signatures are checked through a DataVerifier per request (the
// certificates travel with each message).
//
// Store rules, all checked before anything changes (a StoreReq applies wholly or not at all):
// known kinds (else Error_Unknown_Kind, error_info = UnknownKinds); the value's data model
// matches the kind's; each signature verifies and its signer passes the kind's access policy
// (else Error_Forbidden); value size <= max_size and values per kind <= max_count (else
// Error_Data_Too_Large); storage_time strictly newer than the value replaced (else
// Error_Data_Too_Old); a non-zero generation_counter equal to the current one (else
// Error_Generation_Counter_Too_Low, error_info = StoreAns with the current counters).
// A stored value with exists=false is a tombstone: it replaces the value (deletion) and keeps
// older stores out until its lifetime ends. Lifetimes run from the time the peer stored the
// value; fetched and exported values carry the remaining lifetime.
//
// Replica stores (replica_number > 0) skip the generation check, take the sender's counter,
// and skip (as a no-op, not an error) every value not newer than the one stored, so a
// replica or handover copy merges into what a peer already holds.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/storage/kinds.h"
#include "overlay/storage/signer_ids.h"
#include "overlay/storage/signing.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::storage {

using WallMs = std::uint64_t;  // ms since the Unix epoch

struct StorageError {
  wire::ErrorCode code = wire::ErrorCode::kInvalidMessage;
  Bytes error_info;  // a body for Unknown_Kind / Generation_Counter_Too_Low, else UTF-8 text
};
StorageError storage_error(wire::ErrorCode code, std::string_view text);

template <class T>
using StorageResult = Expected<T, StorageError>;

// Byte-wise ordering (big-endian numbers for equal lengths); spelled out because GCC 12 warns
// (-Wstringop-overread, a false positive) on vector<byte>'s synthesized <=>.
struct BytesLess {
  bool operator()(ByteView a, ByteView b) const;
  bool operator()(const wire::ResourceId& a, const wire::ResourceId& b) const {
    return (*this)(ByteView(a.bytes), ByteView(b.bytes));
  }
};

inline constexpr std::uint32_t kArrayAppendIndex = 0xffffffff;  // §7.4.1.1: store at the end
inline constexpr std::size_t kMaxValuesPerAnswer = wire::kMaxStoredDataPerKind;

class DataStore {
 public:
  explicit DataStore(const KindRegistry& kinds) : kinds_(kinds) {}

  StorageResult<wire::StoreAns> store(const wire::StoreReq& req, WallMs now,
                                      DataVerifier& verifier);
  StorageResult<wire::FetchAns> fetch(const wire::FetchReq& req, WallMs now);
  StorageResult<wire::StatAns> stat(const wire::StatReq& req, WallMs now);
  StorageResult<wire::FindAns> find(const wire::FindReq& req, WallMs now);

  // Drops values whose lifetime has ended (and resources left empty).
  void expire(WallMs now);
  // When expire() next has work; nullopt when nothing is stored.
  std::optional<WallMs> next_expiry() const;

  // ---- bookkeeping for replication and handover (the policy lives elsewhere) ----
  std::vector<wire::ResourceId> resources() const;
  // Resources whose ring point lies in (after, upto] (clockwise, wrapping).
  std::vector<wire::ResourceId> resources_in_range(const wire::NodeId& after,
                                                   const wire::NodeId& upto) const;
  // Everything stored at a resource as a StoreReq (generation counters, remaining
  // lifetimes); replay it with store() on another peer. nullopt when nothing is stored.
  std::optional<wire::StoreReq> export_resource(const wire::ResourceId& resource, WallMs now,
                                                std::uint8_t replica_number) const;
  bool erase_resource(const wire::ResourceId& resource);
  // Drops every value whose signer's certificate holds a Node-ID `listed` names (RFC 6940
  // §11.1: a bad-node entry's certificate "MUST NOT be considered valid", so neither is data
  // it signed before the entry appeared); the number dropped. Resources left empty go.
  std::size_t drop_signed_by(const std::function<bool(const wire::NodeId&)>& listed);
  std::size_t resource_count() const { return resources_.size(); }
  std::size_t value_count() const;
  wire::GenerationCounter generation(const wire::ResourceId& resource, KindId kind) const;

  // Implementation types, public for the helpers in data_store_ops.cpp.
  struct Entry {
    wire::StoredData data;
    WallMs expires_at = 0;
    SignerIds signer;  // the signer certificate's Node-IDs (drop_signed_by), under its key
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  // Keyed by an empty key (single), the big-endian index (array) or the dictionary key.
  struct KindState {
    wire::GenerationCounter generation = 0;
    std::map<Bytes, Entry, BytesLess> entries;
  };
  using Resource = std::map<KindId, KindState>;
  // What is stored for (resource, kind), or nullptr.
  const KindState* kind_state(const wire::ResourceId& resource, KindId kind) const;
  // Every stored resource in Resource-ID order, read in place (no copy: export_resource()
  // copies every value, which for counting made a 1 s metrics refresh cost O(stored bytes)).
  // `visit` must not change the store.
  void for_each_resource(
      const std::function<void(const wire::ResourceId&, const Resource&)>& visit) const;
  bool holds(const wire::ResourceId& resource) const { return resources_.count(resource) > 0; }

 private:
  StorageResult<KindState> apply_kind(const wire::StoreReq& req,
                                      const wire::StoreKindData& kd, KindState state,
                                      WallMs now, DataVerifier& verifier) const;
  StorageError generation_error(const wire::StoreReq& req) const;
  // Queues the resource under its earliest expiry (see expiry_queue_).
  void schedule(const wire::ResourceId& id, const Resource& res);

  const KindRegistry& kinds_;
  std::map<wire::ResourceId, Resource, BytesLess> resources_;
  // (when a value of the resource ends, resource), possibly stale: an entry may name a
  // resource since replaced, refreshed or erased. expire() pops what is due and re-queues
  // resources that still hold values, so each call costs O(due), not O(stored).
  std::multimap<WallMs, wire::ResourceId> expiry_queue_;
};

}  // namespace p2psip::storage
