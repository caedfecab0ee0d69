#pragma once
// The storage methods as PeerCore's StorageHandler will call them: a request code and body
// in, an answer code and body out (kError with an encoded ErrorResponse on failure). Bodies
// that do not decode are Error_Invalid_Message.

#include "overlay/storage/data_store.h"

namespace p2psip::storage {

struct ServiceAnswer {
  wire::MessageCode code = wire::MessageCode::kError;
  Bytes body;
};

struct RequestContext {
  RequestContext(WallMs now_ms = 0, bool is_responsible = true,
                 std::vector<wire::NodeId> replica_peers = {})
      : now(now_ms), responsible(is_responsible), replicas(std::move(replica_peers)) {}
  WallMs now = 0;
  bool responsible = true;  // this peer is responsible for the Resource-ID
  // The peers an applied original Store is replicated to (§7.4.1.2: listed in each
  // StoreKindResponse; §10.4: the responsible peer's successors).
  std::vector<wire::NodeId> replicas;
};

// Store / Fetch / Stat / Find; any other code is Error_Invalid_Message. A non-replica Store
// or a Find at a peer that is not responsible is Error_Not_Found (§7.4.4.2).
ServiceAnswer handle_storage_request(DataStore& store, const KindRegistry& kinds,
                                     wire::MessageCode code, ByteView body,
                                     const RequestContext& ctx, DataVerifier& verifier);

ServiceAnswer error_answer(const StorageError& e);

}  // namespace p2psip::storage
