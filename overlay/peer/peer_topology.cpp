// PeerCore, CHORD-RELOAD topology plug-in (RFC 6940 §10): Join, Update, Leave,
// RouteQuery, Probe (stabilization, fingers and partitions: peer_stabilize.cpp).
#include <algorithm>

#include "overlay/peer/peer_core.h"
#include "overlay/wire/bodies.h"

namespace p2psip::peer {

Millis PeerCore::jitter(Millis base) {  // base * [0.5, 1.5)
  auto b = static_cast<std::uint64_t>(std::max<std::int64_t>(base.count(), 1));
  return Millis{static_cast<std::int64_t>(b / 2 + rng_.next() % b)};
}

void PeerCore::send_update(Millis now, const NodeId& to, wire::ChordUpdateType type) {
  if (!conns_.count(to)) return;
  wire::ChordUpdate u;
  u.uptime = static_cast<std::uint32_t>((now - started_).count() / 1000);
  u.type = type;
  if (type != wire::ChordUpdateType::kPeerReady) {
    // The Neighbor Table: routable peers and the neighbours we have Attached to that have not
    // sent their Update yet (§10.7.3 "if it is successful, it MUST adjust its neighbor set";
    // §6.5.1: we only do not route through them).
    chord::RoutingTable view = table_;
    for (const auto& [id, c] : conns_) {
      if (c.attached_neighbor && !c.routable) view.add_peer(id);
    }
    u.predecessors = view.predecessors();
    u.successors = view.successors();
  }
  if (type == wire::ChordUpdateType::kFull) u.fingers = table_.finger_ids();
  std::sort(u.fingers.begin(), u.fingers.end());
  auto body = wire::encode_to_bytes(u);
  if (!body) return;
  conns_[to].update_sent = true;
  std::uint64_t id = originate(now, {wire::Destination::node(to)}, wire::MessageCode::kUpdateReq,
                               std::move(*body), TxPurpose::kUpdate);
  if (auto* tx = txs_.find(id)) tx->info.peer = to;
}

void PeerCore::on_topology_answer(Millis now, const Transaction& tx, const wire::Message* m,
                                  const NodeId& from) {
  bool ok = m && !m->contents.is_error();
  switch (tx.info.purpose) {
    case TxPurpose::kJoinAttach:
      if (state_ == PeerState::kJoining) join_deadline_ = now + config_.reliability_timer;
      break;
    case TxPurpose::kNeighborAttach:
    case TxPurpose::kFingerAttach:
      std::erase(join_waiting_, tx.info.peer);
      maybe_send_join(now);
      break;
    case TxPurpose::kJoin:
      if (ok && state_ == PeerState::kJoining) {
        // §10.5 steps 6-7: the AP now Stores our range's data to us, then Updates us; "at
        // this point, JP is part of the ring". Joining here, before the data, would answer
        // Fetches for our range from an empty store. The AP's Stores and Update come over
        // one ordered link, so its Update means the hand-off has arrived.
        phase_ = JoinPhase::kAwaitJoinUpdate;
        join_deadline_ = now + config_.reliability_timer;
      } else if (state_ == PeerState::kJoining) {
        join_deadline_ = now + config_.reliability_timer;
      }
      break;
    case TxPurpose::kUpdate:
      if (!m) {  // a neighbour that does not answer has failed (§10.7.1)
        auto c = conns_.find(tx.info.peer);
        if (c != conns_.end()) {
          close_link(c->second.link);
          remove_peer(now, tx.info.peer, true);
        }
      }
      break;
    case TxPurpose::kLeave:
      if (leave_pending_ > 0 && --leave_pending_ == 0) finish_leave(now);
      break;
    case TxPurpose::kFingerPing:
      if (ok) on_finger_ping_answer(now, tx, from);
      break;
    case TxPurpose::kPartitionPing:
      if (ok) on_partition_ping_answer(now, tx, from);
      break;
    case TxPurpose::kApp:
      break;
  }
}

void PeerCore::handle_join(Millis now, const NodeId& prev, const wire::Message& m,
                           const NodeId& from) {
  auto req = wire::decode_join_req(ByteView(m.contents.message_body));
  if (!req) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, req.error().what);
  }
  if (req->joining_peer_id != from || state_ != PeerState::kJoined) {
    return answer_error(now, prev, m.header, wire::ErrorCode::kForbidden, "join refused");
  }
  answer_raw(now, prev, m.header, wire::MessageCode::kJoinAns, *wire::encode_to_bytes(wire::JoinAns{}),
             true);
  holddown_.erase(from);
  // §10.5 steps 7-8: the joining node becomes our neighbour; Updates go to all neighbours.
  if (conns_.count(from) && !add_routable(now, from)) {
    send_update(now, from, wire::ChordUpdateType::kNeighbors);
  }
}

void PeerCore::handle_leave(Millis now, const NodeId& prev, const wire::Message& m,
                            const NodeId& from) {
  auto req = wire::decode_leave_req(ByteView(m.contents.message_body));
  std::optional<wire::ChordLeaveData> data;
  if (req) {
    auto d = wire::decode_chord_leave_data(ByteView(req->overlay_specific_data));
    if (d) data = std::move(*d);
  }
  if (!req || !data) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, "bad LeaveReq");
  }
  if (req->leaving_peer_id != from) {
    return answer_error(now, prev, m.header, wire::ErrorCode::kForbidden, "not the leaver");
  }
  answer_raw(now, prev, m.header, wire::MessageCode::kLeaveAns, {}, true);
  holddown_[from] = now + config_.failed_peer_holddown;
  remove_peer(now, from, false);
  consider_candidates(now, std::nullopt, data->nodes);
}

void PeerCore::handle_update(Millis now, const NodeId& prev, const wire::Message& m,
                             const NodeId& from) {
  auto u = wire::decode_chord_update(ByteView(m.contents.message_body));
  if (!u) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, u.error().what);
  }
  answer_raw(now, prev, m.header, wire::MessageCode::kUpdateAns, {}, false);
  // A client is outside the ring (§3.2): peers Update it as a member of their Connection
  // Table (§10.7.3), but it takes no one into a routing table and Updates no one.
  if (config_.client) return;
  auto conn = conns_.find(from);
  bool connected = conn != conns_.end();
  // The hold-down only keeps us from re-Attaching a failed or left peer on the word of others
  // (their Updates may still list it). A peer that reached us over a link opened after it left
  // or failed and now sends its own Update is back: §10.7.1 "Such a peer is returned to the
  // Neighbor Table once connectivity is reestablished", and §10.7.3 asks us to adjust the
  // neighbour set to it. Without this a restarted peer (same Node-ID) stayed out of its
  // neighbours' tables until the hold-down ended and some later Update named it again
  // (chord-update-interval: minutes).
  if (connected && conn->second.returned) holddown_.erase(from);
  if (connected && !held_down(now, from)) {
    add_routable(now, from);
    // Its Update makes it our peer; ours (if it has none yet) makes us its peer (§6.5.1).
    if (auto c = conns_.find(from); c != conns_.end() && !c->second.update_sent &&
                                    state_ == PeerState::kJoined && !config_.client) {
      send_update(now, from, wire::ChordUpdateType::kNeighbors);
    }
  }
  if (state_ == PeerState::kJoining && phase_ == JoinPhase::kAwaitApUpdate &&
      admitting_ && *admitting_ == from) {
    phase_ = JoinPhase::kAttachNeighbors;
  }
  if (state_ == PeerState::kJoining &&
      std::find(updated_while_joining_.begin(), updated_while_joining_.end(), from) ==
          updated_while_joining_.end()) {
    updated_while_joining_.push_back(from);
  }
  std::vector<NodeId> ids = u->predecessors;
  ids.insert(ids.end(), u->successors.begin(), u->successors.end());
  consider_candidates(now, connected ? std::optional<NodeId>(from) : std::nullopt, ids);
  maybe_send_join(now);
  if (state_ == PeerState::kJoining && phase_ == JoinPhase::kAwaitJoinUpdate && admitting_ &&
      *admitting_ == from) {
    join_update_seen_ = true;  // §10.5 step 7
    maybe_become_joined(now);
  }
}

void PeerCore::consider_candidates(Millis now, const std::optional<NodeId>& via,
                                   const std::vector<NodeId>& ids) {
  if (config_.client) return;  // a client attaches to nobody but its bootstrap peers
  for (const NodeId& id : ids) {
    if (id == config_.node_id || held_down(now, id) || connecting_.count(id) ||
        awaited_.count(id)) {
      continue;
    }
    if (auto c = conns_.find(id); c != conns_.end()) {
      // Connected, but routable only after its own Update (§6.5.1), not on a third peer's
      // word. If it has not heard from us yet, our Update asks for its own in return.
      if (!c->second.routable && !c->second.update_sent && state_ == PeerState::kJoined) {
        send_update(now, id, wire::ChordUpdateType::kNeighbors);
      }
      continue;
    }
    if (!table_.would_be_neighbor(id) || attach_pending(id, 0)) continue;
    std::vector<wire::Destination> dests;
    if (via) dests.push_back(wire::Destination::node(*via));  // §10.6: source-routed
    dests.push_back(wire::Destination::node(id));
    // A joining node cannot send Updates yet (§10.5): send_update asks the neighbour for one.
    send_attach(now, std::move(dests), TxPurposeInfo{TxPurpose::kNeighborAttach, 0, id},
                state_ == PeerState::kJoining);
    if (state_ == PeerState::kJoining) join_waiting_.push_back(id);
  }
}

bool PeerCore::attach_pending(const NodeId& id, unsigned finger) const {
  for (const auto& [tid, tx] : txs_.all()) {
    if (finger != 0 && tx.info.purpose == TxPurpose::kFingerAttach && tx.info.finger == finger)
      return true;
    if (finger == 0 && tx.info.purpose == TxPurpose::kNeighborAttach && tx.info.peer == id)
      return true;
  }
  return false;
}

bool PeerCore::add_routable(Millis now, const NodeId& id) {
  auto c = conns_.find(id);
  if (c == conns_.end()) return false;
  c->second.routable = true;
  bool added = table_.add_peer(id);
  if (auto f = finger_wait_.find(id); f != finger_wait_.end()) {
    table_.set_finger(f->second, id);
    finger_wait_.erase(f);
  }
  if (!added) return false;
  neighbors_changed(now);
  return true;
}

void PeerCore::remove_peer(Millis now, const NodeId& id, bool failed) {
  if (config_.client) {  // no ring state: reconnect when the last link is gone
    if (failed) conns_.erase(id);
    if (conns_.empty() && state_ == PeerState::kJoined) join(now);
    return;
  }
  bool was_finger = table_.is_finger(id);
  bool changed = table_.remove_peer(id);
  finger_wait_.erase(id);
  if (was_finger) finger_failed(now);
  if (failed) {
    conns_.erase(id);
    holddown_[id] = now + config_.failed_peer_holddown;
  } else if (auto c = conns_.find(id); c != conns_.end()) {
    c->second.routable = false;
  }
  std::erase(join_waiting_, id);
  if (changed) neighbors_changed(now);
  if (state_ == PeerState::kJoining && admitting_ && *admitting_ == id) join_deadline_ = now;
  if (state_ == PeerState::kJoined && table_.peers().empty() && !config_.bootstrap.empty()) {
    join(now);  // §10.7.1: cut off from everyone - join again
  }
  maybe_send_join(now);
}

void PeerCore::neighbors_changed(Millis now) {
  if (storage_) storage_->on_ring_changed(now, table_);
  if (state_ != PeerState::kJoined) return;
  // Reactive recovery (§10.7.3): "if the Neighbor Table changes ... the peer MUST send an
  // Update request to each member of its Connection Table" (§10.7.1 likewise when a failure
  // changes our range), not only to the neighbours.
  update_connections(now);
}

void PeerCore::update_connections(Millis now) {
  std::vector<NodeId> to;
  to.reserve(conns_.size());
  for (const auto& [id, c] : conns_) to.push_back(id);
  for (const auto& n : to) send_update(now, n, wire::ChordUpdateType::kNeighbors);
}

void PeerCore::maybe_send_join(Millis now) {
  if (state_ != PeerState::kJoining || phase_ != JoinPhase::kAttachNeighbors) return;
  if (!join_waiting_.empty() || !admitting_) return;
  phase_ = JoinPhase::kJoinSent;
  auto body = wire::encode_to_bytes(wire::JoinReq{config_.node_id, {}});
  std::uint64_t id = originate(now, {wire::Destination::node(*admitting_)},
                               wire::MessageCode::kJoinReq, std::move(*body), TxPurpose::kJoin);
  if (auto* tx = txs_.find(id)) tx->info.peer = *admitting_;
}

// §10.5 step 7 makes us part of the ring; we join once the links of the neighbours whose
// Attach was answered are up too (the answerer opens them, §6.5.1.13), so that step 4 below
// can enter them. A link that never comes expires (expire_awaited) and calls us again.
void PeerCore::maybe_become_joined(Millis now) {
  if (state_ != PeerState::kJoining || phase_ != JoinPhase::kAwaitJoinUpdate || !join_update_seen_)
    return;
  for (const auto& [id, a] : awaited_) {
    if (a.info.purpose == TxPurpose::kNeighborAttach) return;
  }
  become_joined(now);
}

void PeerCore::become_joined(Millis now) {
  // §10.5 step 4: "JN MUST enter into its Routing Table all the peers that it has successfully
  // contacted" -- not only those whose own Update has reached us. Without it, a predecessor
  // whose Update was still on its way left us believing we were responsible for its range.
  // The links we asked for (bootstrap, admitting peer, neighbours, fingers) are those peers.
  std::vector<NodeId> contacted;
  for (const auto& [id, c] : conns_) {
    if (c.requested && !c.routable && !held_down(now, id)) contacted.push_back(id);
  }
  for (const NodeId& id : contacted) add_routable(now, id);
  state_ = PeerState::kJoined;
  phase_ = JoinPhase::kNone;
  next_stabilize_ = now + jitter(config_.update_interval);
  next_finger_ = now + jitter(config_.chord_ping_interval);
  next_partition_check_ = now + jitter(config_.partition_check_interval);
  neighbors_changed(now);  // §10.5 step 9: Updates to all our neighbours
  initial_fingers(now);
}

void PeerCore::handle_route_query(Millis now, const NodeId& prev, const wire::Message& m,
                                  const NodeId& from) {
  auto req = wire::decode_route_query_req(ByteView(m.contents.message_body));
  auto point = req ? chord::ring_point(req->destination) : std::nullopt;
  if (!point) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, "bad RouteQuery");
  }
  chord::NextHop nh = table_.next_hop(*point);
  wire::ChordRouteQueryAns ans{nh.local ? config_.node_id : nh.node};
  answer_raw(now, prev, m.header, wire::MessageCode::kRouteQueryAns, *wire::encode_to_bytes(ans),
             false);
  if (req->send_update) send_update(now, from, wire::ChordUpdateType::kFull);
}

void PeerCore::handle_probe(Millis now, const NodeId& prev, const wire::Message& m) {
  auto req = wire::decode_probe_req(ByteView(m.contents.message_body));
  if (!req) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, req.error().what);
  }
  wire::ProbeAns ans;
  for (auto type : req->requested_info) {
    wire::ProbeInformation info;
    info.type = type;
    if (type == wire::ProbeInformationType::kResponsibleSet) {
      long double share = 1.0L;
      if (!table_.predecessors().empty()) {
        auto d = chord::distance(table_.predecessors().front(), config_.node_id);
        share = static_cast<long double>(static_cast<std::uint64_t>(d >> 64)) / 18446744073709551616.0L;
      }
      info.value = static_cast<std::uint32_t>(share * 1e9L);
    } else if (type == wire::ProbeInformationType::kNumResources) {
      info.value = static_cast<std::uint32_t>(storage_ ? storage_->resource_count() : 0);
    } else if (type == wire::ProbeInformationType::kUptime) {
      info.value = static_cast<std::uint32_t>((now - started_).count() / 1000);
    } else {
      continue;  // only the types we recognise (§6.4.2.5.2)
    }
    ans.probe_info.push_back(info);
  }
  answer_raw(now, prev, m.header, wire::MessageCode::kProbeAns, *wire::encode_to_bytes(ans),
             false);
}

}  // namespace p2psip::peer
