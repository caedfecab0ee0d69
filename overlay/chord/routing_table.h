#pragma once
// CHORD-RELOAD routing state of one peer (RFC 6940 §10.1, §10.3, §10.4, §10.7): a pure value.
//
// The table holds the set of *routable* peers this node is directly connected to (ring members
// that have shown they are peers, by Update or by answering as responsible peer). From that set
// it derives, on every change:
//   successors    the `neighbors` closest peers clockwise from self (closest first)
//   predecessors  the `neighbors` closest peers counter-clockwise (closest first)
// which is §10.7.1's "replace it with the best match it has from the other peers in its
// Routing Table" applied continuously. Fingers (§10.5: entry i aims at self + 2^(128-i)) are
// recorded by index; a finger is always also a peer, and only a valid one (in entry i's range,
// §10.7.4.2): an entry with no peer found in its range stays empty (invalid). Entries whose
// range starts within the successor span are decided by the Neighbor Table on every change
// (§10.7.4.3: a larger table at no additional traffic). A peer never enters itself (§10.7.3).
//
// next_hop() implements §10.3: responsible -> deliver; else the largest Node-ID in (self, k)
// among the peers; else the smallest Node-ID following k. (A Node-ID equal to k is "directly
// connected" and wins, because it is the first peer at or after k.)

#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "overlay/chord/ring.h"

namespace p2psip::chord {

inline constexpr std::size_t kDefaultNeighbors = 3;  // §10.7: at least three each way
inline constexpr unsigned kMaxFingers = 128;
inline constexpr unsigned kFingerTableSize = 16;  // §10.7.4.3: grow the table to 16

struct NextHop {
  bool local = false;  // this node is responsible: deliver here
  NodeId node;         // otherwise: forward to this peer
};

class RoutingTable {
 public:
  explicit RoutingTable(const NodeId& self, std::size_t neighbors = kDefaultNeighbors);

  const NodeId& self() const { return self_; }
  std::size_t neighbor_count_target() const { return neighbors_; }

  // Both return true when the neighbour table (predecessors or successors) changed.
  bool add_peer(const NodeId& id);
  bool remove_peer(const NodeId& id);  // also drops every finger pointing at it
  bool contains(const NodeId& id) const;
  // All routable peers, ordered by clockwise distance from self.
  const std::vector<NodeId>& peers() const { return peers_; }
  std::size_t size() const { return peers_.size(); }

  const std::vector<NodeId>& predecessors() const { return preds_; }
  const std::vector<NodeId>& successors() const { return succs_; }
  bool is_neighbor(const NodeId& id) const;
  // Would `id` (not yet a peer) enter the neighbour table if it were added?
  bool would_be_neighbor(const NodeId& id) const;

  // predecessor < k <= self; with no predecessor this node is alone and owns the ring.
  bool is_responsible(const NodeId& k) const;
  NextHop next_hop(const NodeId& k) const;
  // Self and the next two successors (§10.4: three copies).
  std::vector<NodeId> replica_set() const;

  // ---- fingers (i in 1..128) ----
  void set_finger(unsigned i, const NodeId& id);  // ignored unless a peer in i's range
  void clear_finger(unsigned i);
  std::optional<NodeId> finger(unsigned i) const;
  bool is_finger(const NodeId& id) const;
  std::size_t finger_count() const;  // distinct peers used as fingers
  std::vector<NodeId> finger_ids() const;  // distinct, ascending by distance
  // §10.7.4.3: at least 16 entries, and "large enough to contain at least the final successor
  // in the peer's Neighbor Table", at most 128. 0 when alone.
  unsigned finger_table_size() const;
  // Entry i's range starts within (self, last successor]: the Neighbor Table decides it.
  bool finger_near(unsigned i) const;
  // §10.7.4.2 Alternative 1: the invalid entries not decided by the Neighbor Table, searched
  // from i = 1, each taken when coin() says so (probability 1/2: "exponentially weighted" to
  // lower i); the last one takes the remaining probability, so one is picked whenever any is
  // invalid. 0 when none is.
  unsigned pick_invalid_finger(const std::function<bool()>& coin) const;

 private:
  void recompute();
  void decide_near_fingers();

  NodeId self_;
  std::size_t neighbors_;
  std::vector<NodeId> peers_;  // sorted by distance(self_, id)
  std::vector<NodeId> preds_;
  std::vector<NodeId> succs_;
  std::vector<std::pair<unsigned, NodeId>> fingers_;  // sorted by index
};

}  // namespace p2psip::chord
