#pragma once
// End-to-end transactions of requests this node originated (RFC 6940 §6.2.1): the request is
// sent, re-sent with the same transaction id every overlay-reliability-timer, at most
// max_transmissions times; after the last timer it has failed. And the answer cache that lets a
// node replay the same answer to a retransmitted request within the 15 s request lifetime.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "overlay/chord/routing_table.h"
#include "overlay/peer/peer_types.h"
#include "overlay/wire/ids.h"

namespace p2psip::peer {

enum class TxPurpose : std::uint8_t {
  kApp,             // send_request(): the callback gets the result
  kJoinAttach,      // Attach to n+1 through the bootstrap, to find the admitting peer
  kNeighborAttach,  // Attach to a would-be neighbour
  kFingerAttach,    // Attach for finger i: to its range's start (join), or to a node found
  kFingerPing,      // Ping to a random point of finger i's range (§10.7.4.2)
  kPartitionPing,   // Ping to our own Node-ID through a bootstrap node (§10.7.4.4)
  kJoin,
  kUpdate,
  kLeave,
};

struct TxPurposeInfo {
  TxPurpose purpose = TxPurpose::kApp;
  unsigned finger = 0;  // kFingerAttach / kFingerPing: finger index
  NodeId peer;          // kUpdate / kLeave / kJoin: the addressee; kPartitionPing: the
                        // bootstrap node it goes through
};

// Transaction ids (§6.3.2: "they MUST be randomly generated"). An insider that can predict
// them can answer in another node's place, so a real node draws them from the OS's
// cryptographic source; the simulator injects seeded_transaction_ids (PeerConfig).
std::uint64_t crypto_transaction_id();  // getrandom(2); aborts if the kernel has none
// SplitMix64 from `seed` (common/splitmix64.h): deterministic, for the simulator only.
std::function<std::uint64_t()> seeded_transaction_ids(std::uint64_t seed);

// Who may answer a request (§6.3.4, "responses MUST be checked as follows by the requesting
// node"): 1. a request to a Node-ID only by that node; 2. a request to a Resource-ID only by a
// node "at least as close to the target Resource-ID as any node in the requesting node's
// Neighbor Table". CHORD-RELOAD makes a node responsible for the points from its predecessor
// (exclusive) to itself (§10), so "close" is read as the clockwise distance from the point to
// the node: the responsible node is the closest one. Our reading: the Neighbor Table is the
// predecessors and successors (§10.3), fingers are not consulted (the RFC calls the check
// "primitive"); with an empty Neighbor Table (a client, a node before its first link) rule 2
// cannot refuse anything. Errors are answers too: an error from a node that is neither is
// refused like any other answer (the request is retransmitted and may time out). Rule 1's
// exception ("unless the response has been sent to the wildcard Node-ID") does not arise: this
// node never addresses a request to the wildcard Node-ID.
struct AnswerFrom {
  NodeId point;              // the Node-ID, or the ring point of the Resource-ID
  bool responsible = false;  // rule 2 (a Resource-ID, or a finger target we Attach to)
  bool any = false;          // an opaque final destination: nothing to check against
};
// The final entry of the Destination List decides (source routes end at the target).
AnswerFrom expected_answerer(const wire::Destination& last, TxPurpose purpose);
bool answer_acceptable(const AnswerFrom& expect, const NodeId& sender,
                       const chord::RoutingTable& table);

struct Transaction {
  std::uint64_t id = 0;
  TxPurposeInfo info;
  AnswerFrom expect;             // who may answer (answer_acceptable)
  Bytes bytes;                   // the encoded request, re-sent as is
  bool unsigned_local = false;   // `bytes` are not signed: built to stay in this node
  wire::Destination first;       // first destination entry (to pick the next hop again)
  wire::Destination last;        // final destination entry (AnswerToRequest::target)
  Millis next_send{0};
  int sends = 0;
  RequestCallback callback;
};

class TransactionTable {
 public:
  void add(Transaction tx) { txs_.emplace(tx.id, std::move(tx)); }
  bool contains(std::uint64_t id) const { return txs_.count(id) != 0; }
  std::optional<Transaction> take(std::uint64_t id);
  // Transactions whose timer fired, in id order (deterministic).
  std::vector<std::uint64_t> due(Millis now) const;
  Transaction* find(std::uint64_t id);
  std::optional<Millis> next_deadline() const;
  std::size_t size() const { return txs_.size(); }
  bool any(TxPurpose p) const;
  const std::unordered_map<std::uint64_t, Transaction>& all() const { return txs_; }

 private:
  std::unordered_map<std::uint64_t, Transaction> txs_;
};

class AnswerCache {
 public:
  static constexpr std::size_t kMaxEntries = 1024;
  struct Entry {
    Bytes bytes;
    wire::Destination first;
  };
  void put(Millis expires, std::uint64_t txid, Bytes bytes, wire::Destination first);
  const Entry* find(std::uint64_t txid) const;
  void expire(Millis now);
  std::optional<Millis> next_deadline() const;

 private:
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::deque<std::pair<Millis, std::uint64_t>> order_;
};

}  // namespace p2psip::peer
