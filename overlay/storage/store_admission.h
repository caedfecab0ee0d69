#pragma once
// Who may Store what, judged before DataStore::store applies anything (RFC 6940 §7.3,
// §7.4.1.1). Pure: the ring as this node sees it, the request's signer and the StoreReq in, an
// error (or nothing) out. The rules:
//   replica_number 0 (an original store): this node is responsible for the StoreReq's
//     Resource-ID (judged from the resource, not from the message's destination), else
//     Error_Not_Found (§7.4.1.1 says "reject" without naming a code; Not_Found is what a
//     non-responsible peer answers elsewhere, §7.4.4.2). The StoreReq's own signer satisfies
//     the kind's access policy for every value (§7.3: "in a non-replica store, both the signer
//     of the StoredValue and the signer of the StoreReq MUST conform"), else Error_Forbidden.
//     No exception for a node storing on another's behalf (a gateway for its phones): it
//     signs such a StoreReq with that registrant's certificate (usage::SipUsageClient).
//   replica_number > 0: the sender is plausible, else Error_Forbidden (§7.4.1.1: "replica
//     StoreReqs MUST come from nodes which are either in the known replica set for a given
//     resource or which are closer than some node in the replica set"), and no kind carries
//     generation counter 0 ("Replica Stores MUST NOT use a generation counter of 0"; no code
//     named: Error_Invalid_Message).
// §7.4.1.1 states the replica rule twice: "the request sender is consistent with being the
// responsible node" and the bullet above, which also admits the replica set. Our peers send
// replica Stores from the responsible peer to its successors and back from a replica to the
// responsible peer (the §10.5 join hand-off), so the bullet's wider reading is the one
// applied; a sender farther from the resource than every member of the replica set this node
// knows is refused under both readings. A node that knows fewer peers than a replica set holds
// (still joining: its §10.5 hand-off comes before its routing table fills) cannot judge and
// admits the sender.

#include <optional>
#include <vector>

#include "overlay/storage/data_store.h"
#include "overlay/storage/kinds.h"
#include "overlay/storage/signing.h"

namespace p2psip::storage {

struct RingView {
  wire::NodeId self;
  std::vector<wire::NodeId> predecessors;  // closest first (responsibility)
  std::vector<wire::NodeId> known;         // every peer this node knows (plausibility)
  bool member = false;                     // in the ring (joined, not gone)
  std::size_t replicas = 2;                // copies beyond the responsible peer's
};

bool responsible_for(const RingView& ring, const wire::ResourceId& resource);
// The responsible peer and its `replicas` successors among the nodes this node knows (itself
// included), nearest to the resource first.
std::vector<wire::NodeId> known_replica_set(const RingView& ring, const wire::ResourceId& resource);
bool plausible_replica_sender(const RingView& ring, const wire::ResourceId& resource,
                              const wire::NodeId& sender);

// `request_signer`: the identity whose certificate signed the StoreReq message (nullopt when
// no certificate of the message names it); not judged when `judge_request_signer` is false
// (the simulator only).
std::optional<StorageError> admit_store(const wire::StoreReq& req, const KindRegistry& kinds,
                                        const RingView& ring, const wire::NodeId& sender,
                                        const std::optional<SignerInfo>& request_signer,
                                        bool judge_request_signer = true);

}  // namespace p2psip::storage
