#pragma once
// End-to-end transactions of requests this node originated (RFC 6940 §6.2.1): the request is
// sent, re-sent with the same transaction id every overlay-reliability-timer, at most
// max_transmissions times; after the last timer it has failed. And the answer cache that lets a
// node replay the same answer to a retransmitted request within the 15 s request lifetime.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "overlay/peer/peer_types.h"
#include "overlay/wire/ids.h"

namespace p2psip::peer {

enum class TxPurpose : std::uint8_t {
  kApp,             // send_request(): the callback gets the result
  kJoinAttach,      // Attach to n+1 through the bootstrap, to find the admitting peer
  kNeighborAttach,  // Attach to a would-be neighbour
  kFingerAttach,    // Attach to finger target i
  kJoin,
  kUpdate,
  kLeave,
};

struct TxPurposeInfo {
  TxPurpose purpose = TxPurpose::kApp;
  unsigned finger = 0;  // kFingerAttach: finger index
  NodeId peer;          // kUpdate / kLeave / kJoin: the addressee
};

struct Transaction {
  std::uint64_t id = 0;
  TxPurposeInfo info;
  Bytes bytes;                   // the encoded request, re-sent as is
  wire::Destination first;       // first destination entry (to pick the next hop again)
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
