// PeerCore, CHORD-RELOAD stabilization (RFC 6940 §10.7.4): the periodic Updates to the
// Neighbor Table, the Finger Table's search (Pings at random points, at most one per
// chord-ping-interval), link pruning, and the partition check through a bootstrap node.
#include <algorithm>

#include "overlay/peer/peer_core.h"
#include "overlay/wire/bodies.h"

namespace p2psip::peer {
namespace {

wire::Destination as_resource(const NodeId& point) {
  return wire::Destination::resource(
      wire::ResourceId{Bytes(point.bytes().begin(), point.bytes().end())});
}

Bytes ping_body() { return *wire::encode_to_bytes(wire::PingReq{}); }

}  // namespace

void PeerCore::stabilize(Millis now) {
  next_stabilize_ = now + jitter(config_.update_interval);
  std::erase_if(holddown_, [&](const auto& e) { return e.second <= now; });
  // §10.7.4.1: the periodic Update goes "to every peer in its Neighbor Table" (the whole
  // Connection Table hears from us when the Neighbor Table changes, neighbors_changed).
  std::vector<NodeId> to = table_.successors();
  for (const auto& p : table_.predecessors()) {
    if (std::find(to.begin(), to.end(), p) == to.end()) to.push_back(p);
  }
  for (const auto& n : to) send_update(now, n, wire::ChordUpdateType::kNeighbors);
  prune_links(now);
}

void PeerCore::initial_fingers(Millis now) {
  // §10.5: "In order to set up its i'th Finger Table entry, JN MUST send an Attach to peer
  // n+2^(128-i)", routed conventionally (§10.6); as the Resource-ID of that point, since a
  // Node-ID nobody has is dropped (§6.1.1). The answerer becomes finger i only if it lies in
  // i's range (§10.7.4.2); entries the Neighbor Table decides need no search.
  for (unsigned i = 1, size = table_.finger_table_size(); i <= size; ++i) {
    if (table_.finger(i) || table_.finger_near(i) || attach_pending(NodeId{}, i)) continue;
    NodeId target = chord::finger_target(config_.node_id, i);
    send_attach(now, {as_resource(target)}, TxPurposeInfo{TxPurpose::kFingerAttach, i, target},
                false);
  }
}

void PeerCore::finger_ping(Millis now) {
  // §10.7.4.2 Alternative 1: one invalid entry, exponentially weighted to lower i; "the peer
  // SHOULD send the Ping to a Node-ID selected randomly from that range" (as a Resource-ID:
  // the node responsible for the point answers, §6.1.1) and "SHOULD NOT send Ping requests
  // looking for new finger table entries more often than ... chord-ping-interval".
  next_finger_ = now + config_.chord_ping_interval;
  if (txs_.any(TxPurpose::kFingerPing)) return;
  unsigned i = table_.pick_invalid_finger([this] { return (rng_.next() & 1) != 0; });
  if (i == 0) return;
  chord::U128 r = (static_cast<chord::U128>(rng_.next()) << 64) | rng_.next();
  NodeId point = chord::finger_range_point(config_.node_id, i, r);
  last_finger_ping_ = now;
  std::uint64_t id = originate(now, {as_resource(point)}, wire::MessageCode::kPingReq,
                               ping_body(), TxPurpose::kFingerPing);
  if (auto* tx = txs_.find(id)) tx->info.finger = i;
}

void PeerCore::on_finger_ping_answer(Millis now, const Transaction& tx, const NodeId& from) {
  unsigned i = tx.info.finger;
  if (!in_ring() || table_.finger(i) || !chord::in_finger_range(config_.node_id, i, from)) {
    return;  // the range holds no peer after the point: the entry stays invalid
  }
  if (table_.contains(from)) return table_.set_finger(i, from);
  if (auto c = conns_.find(from); c != conns_.end()) {
    finger_wait_[from] = i;  // routable (and the finger) after its Update
    if (!c->second.update_sent && state_ == PeerState::kJoined) {
      send_update(now, from, wire::ChordUpdateType::kNeighbors);
    }
    return;
  }
  if (held_down(now, from) || connecting_.count(from) || awaited_.count(from) ||
      attach_pending(NodeId{}, i)) {
    return;
  }
  // §10.6: Attaches for new Finger Table entries "are routed conventionally".
  send_attach(now, {wire::Destination::node(from)},
              TxPurposeInfo{TxPurpose::kFingerAttach, i, from}, false);
}

void PeerCore::finger_failed(Millis now) {
  // §10.7.2: with reactive recovery "the peer MUST initiate a search for a new Finger Table
  // entry"; §10.7.4.2 still spaces the Pings by chord-ping-interval. The search comes as soon
  // as both allow.
  if (state_ != PeerState::kJoined) return;
  Millis earliest = last_finger_ping_ ? *last_finger_ping_ + config_.chord_ping_interval : now;
  next_finger_ = std::min(next_finger_, std::max(now, earliest));
}

void PeerCore::prune_links(Millis) {
  // Close links we opened that no longer serve as neighbour or finger (and are far from being
  // a neighbour, so the other side is unlikely to need them either).
  const auto& peers = table_.peers();
  std::size_t near = 2 * table_.neighbor_count_target();
  std::vector<NodeId> drop;
  for (std::size_t i = near; i + near < peers.size(); ++i) {
    auto c = conns_.find(peers[i]);
    if (c != conns_.end() && c->second.requested && !table_.is_finger(peers[i])) {
      drop.push_back(peers[i]);
    }
  }
  for (const auto& id : drop) {
    close_link(conns_[id].link);
    table_.remove_peer(id);
    conns_.erase(id);
  }
}

// ---- §10.7.4.4 Detecting Partitioning ----------------------------------------------------
// "a peer P MUST periodically repeat the discovery process used in the initial join for the
// overlay to locate an appropriate bootstrap node, B. P SHOULD then send a Ping for its own
// Node-ID routed through B. If a response is received from peer S', which is not P's
// successor, then the overlay is partitioned and P SHOULD send an Attach to S' routed
// through B, followed by an Update sent to S'."

void PeerCore::partition_check(Millis now) {
  next_partition_check_ = now + jitter(config_.partition_check_interval);
  if (config_.bootstrap.empty() || partition_opening_ || txs_.any(TxPurpose::kPartitionPing)) {
    return;
  }
  std::size_t k = partition_next_bootstrap_++ % config_.bootstrap.size();
  if (auto b = bootstrap_ids_.find(k); b != bootstrap_ids_.end() && conns_.count(b->second)) {
    return send_partition_ping(now, b->second);
  }
  partition_opening_ = k;
  partition_open_until_ = now + config_.request_lifetime;
  push(OpenLink{config_.bootstrap[k], std::nullopt});
}

void PeerCore::partition_link_up(Millis now, const NodeId& peer) {
  bootstrap_ids_[*partition_opening_] = peer;
  partition_opening_.reset();
  send_partition_ping(now, peer);
}

void PeerCore::partition_link_failed(const OpenLink& open) {
  if (!open.expected && partition_opening_ &&
      open.addr == config_.bootstrap[*partition_opening_]) {
    partition_opening_.reset();  // unreachable now; the next check tries the next address
  }
}

void PeerCore::send_partition_ping(Millis now, const NodeId& via) {
  // "a Ping for its own Node-ID": as a Node-ID it would be dropped by whichever node of B's
  // overlay is responsible for it (§6.1.1), so it goes as the Resource-ID of our Node-ID.
  std::uint64_t id = originate(now, {wire::Destination::node(via), as_resource(config_.node_id)},
                               wire::MessageCode::kPingReq, ping_body(),
                               TxPurpose::kPartitionPing);
  if (auto* tx = txs_.find(id)) tx->info.peer = via;
}

void PeerCore::on_partition_ping_answer(Millis now, const Transaction& tx, const NodeId& from) {
  // The RFC names "P's successor" as the node that answers in one overlay; with §10.1's
  // responsibility (a peer owns (predecessor, itself]) the answer for our own Node-ID comes
  // from ourselves. Both readings mean one overlay.
  if (!in_ring() || from == config_.node_id) return;
  if (!table_.successors().empty() && from == table_.successors().front()) return;
  if (auto c = conns_.find(from); c != conns_.end()) {
    // Connected, yet it answers for our place: it has not heard of us. Our Update tells it.
    if (state_ == PeerState::kJoined) send_update(now, from, wire::ChordUpdateType::kNeighbors);
    return;
  }
  if (connecting_.count(from) || awaited_.count(from) || attach_pending(from, 0)) return;
  // The Attach's link up sends S' our Update (attached_link_up: a new neighbour Updates
  // every connection); its Update back makes it routable and zips the two rings together.
  send_attach(now, {wire::Destination::node(tx.info.peer), wire::Destination::node(from)},
              TxPurposeInfo{TxPurpose::kNeighborAttach, 0, from}, false);
}

}  // namespace p2psip::peer
