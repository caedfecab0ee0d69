// PeerCore, driver-facing inputs and outputs: lifecycle, link events, timers, snapshots.
#include "overlay/peer/peer_core.h"

#include <algorithm>

namespace p2psip::peer {

const char* to_string(PeerState s) {
  switch (s) {
    case PeerState::kIdle: return "idle";
    case PeerState::kJoining: return "joining";
    case PeerState::kJoined: return "joined";
    case PeerState::kLeaving: return "leaving";
    case PeerState::kLeft: return "left";
  }
  return "?";
}

PeerCore::PeerCore(PeerConfig config, MessageSigner& signer, StorageHandler* storage)
    : config_(std::move(config)),
      signer_(signer),
      storage_(storage),
      table_(config_.node_id, std::max<std::size_t>(config_.neighbors, 1)),
      rng_(config_.seed ^ chord::high64(config_.node_id)),
      ping_response_id_(config_.seed * 0x9e3779b97f4a7c15ull + 1) {
  params_.overlay = config_.overlay;
  params_.max_message_size = config_.max_message_size;
  params_.option_role = wire::ProcessingRole::kForwarding;
  if (storage_) storage_->attach(storage_services_);
}

void PeerCore::StorageServices::send_request(Millis now, const wire::Destination& to,
                                             wire::MessageCode code, Bytes body,
                                             std::function<void(bool answered)> done,
                                             std::vector<wire::GenericCertificate> certificates) {
  core_.send_request(now, to, code, std::move(body),
                     [done = std::move(done)](const RequestResult& r) {
                       done(r.outcome == RequestResult::Outcome::kAnswer);
                     },
                     std::move(certificates));
}

// A client never leaves the ring (it was never in it): kLeaving is always a ring member's.
storage::RingRole PeerCore::StorageServices::ring_role() const {
  if (core_.state_ == PeerState::kLeaving) return storage::RingRole::kLeaving;
  if (core_.state_ == PeerState::kJoined && !core_.config_.client) {
    return storage::RingRole::kMember;
  }
  return storage::RingRole::kOutside;
}

Millis PeerCore::StorageServices::monotonic_at(std::uint64_t wall_ms) const {
  std::uint64_t offset = core_.config_.wall_clock_offset_ms;
  return Millis{static_cast<std::int64_t>(wall_ms > offset ? wall_ms - offset : 0)};
}

void PeerCore::start(Millis now) {
  started_ = now;
  if (config_.bootstrap.empty()) {
    become_joined(now);  // first peer: a new overlay, alone on the ring
    return;
  }
  join(now);
}

void PeerCore::join(Millis now) {
  if (state_ == PeerState::kLeaving || state_ == PeerState::kLeft) return;
  if (state_ == PeerState::kIdle) started_ = now;
  state_ = PeerState::kJoining;
  phase_ = JoinPhase::kConnecting;
  join_deadline_ = now + config_.join_timeout;
  join_waiting_.clear();
  updated_while_joining_.clear();
  join_update_seen_ = false;
  admitting_.reset();
  if (config_.client) {  // a client only needs a link to some peer
    if (!conns_.empty()) {
      state_ = PeerState::kJoined;
      return;
    }
    for (const auto& addr : config_.bootstrap) push(OpenLink{addr, std::nullopt});
    return;
  }
  // Already connected to some peer (a rejoin, or a retry over the bootstrap link, which need
  // not be routable: §6.5.1): go straight to the Attach to n+1.
  if (!conns_.empty()) {
    phase_ = JoinPhase::kAttachAp;
    auto target = chord::add(config_.node_id, 1);
    send_attach(now, {wire::Destination::resource(wire::ResourceId{
                         Bytes(target.bytes().begin(), target.bytes().end())})},
                TxPurposeInfo{TxPurpose::kJoinAttach, 0, {}}, true);
    return;
  }
  for (const auto& addr : config_.bootstrap) push(OpenLink{addr, std::nullopt});
}

void PeerCore::leave(Millis now) {
  if (state_ != PeerState::kJoined || config_.client) {
    finish_leave(now);
    return;
  }
  state_ = PeerState::kLeaving;
  if (storage_) {
    handover_pending_ = true;
    handover_deadline_ = now + config_.leave_handover_timeout;
    handover_done_ = std::make_shared<bool>(false);
    storage_->on_leave(now, [flag = handover_done_] { *flag = true; });
    on_timer(now);  // sends the Leaves at once if the handover is already done
    return;
  }
  send_leaves(now);
}

void PeerCore::send_leaves(Millis now) {
  handover_pending_ = false;
  wire::ChordLeaveData to_succ{wire::ChordLeaveType::kFromPred, table_.predecessors()};
  wire::ChordLeaveData to_pred{wire::ChordLeaveType::kFromSucc, table_.successors()};
  std::vector<std::pair<NodeId, const wire::ChordLeaveData*>> sends;
  for (const auto& s : table_.successors()) sends.emplace_back(s, &to_succ);
  for (const auto& p : table_.predecessors()) {
    if (std::find(table_.successors().begin(), table_.successors().end(), p) ==
        table_.successors().end()) {
      sends.emplace_back(p, &to_pred);
    }
  }
  for (const auto& [to, data] : sends) {
    auto body = wire::encode_to_bytes(wire::make_chord_leave_req(config_.node_id, *data));
    if (!body) continue;
    std::uint64_t id = originate(now, {wire::Destination::node(to)}, wire::MessageCode::kLeaveReq,
                                 std::move(*body), TxPurpose::kLeave);
    if (auto* tx = txs_.find(id)) tx->info.peer = to;
    ++leave_pending_;
  }
  if (leave_pending_ == 0) finish_leave(now);
  on_timer(now);  // flush loopback
}

void PeerCore::finish_leave(Millis) {
  state_ = PeerState::kLeft;
  for (const auto& [link, node] : links_) push(CloseLink{link});
  links_.clear();
  conns_.clear();
  connecting_.clear();
  awaited_.clear();
  for (const auto& p : std::vector<NodeId>(table_.peers())) table_.remove_peer(p);
}

void PeerCore::close_link(LinkId link) {
  links_.erase(link);
  push(CloseLink{link});
}

void PeerCore::on_link_up(Millis now, LinkId link, const NodeId& peer, bool outbound) {
  if (state_ == PeerState::kLeft || peer == config_.node_id) {
    push(CloseLink{link});
    return;
  }
  if (config_.client) return client_link_up(now, link, peer, outbound);
  links_[link] = peer;
  // Outbound: we are the Attach answerer (or opened a bootstrap link). Inbound: possibly the
  // answerer of our Attach connecting to us, the requester (§6.5.1.13).
  bool answered = connecting_.erase(peer) > 0;
  std::optional<TxPurposeInfo> why;
  if (auto a = awaited_.find(peer); a != awaited_.end()) {
    why = a->second.info;
    awaited_.erase(a);
  }
  auto it = conns_.find(peer);
  if (it != conns_.end()) {
    // Two links to one peer (both sides opened): keep the one opened by the smaller Node-ID.
    const NodeId& opener_old = it->second.outbound ? config_.node_id : peer;
    const NodeId& opener_new = outbound ? config_.node_id : peer;
    if (opener_new < opener_old) {
      close_link(it->second.link);
      it->second.link = link;
      it->second.outbound = outbound;
      it->second.returned = it->second.returned || held_down(now, peer);
    } else if (it->second.link != link) {
      close_link(link);
    }
  } else {
    // §6.5.1: "An Attach, in and of itself, does not result in updating the Routing Table of
    // either node. That function is performed by Updates." A new link is never routable
    // before the peer's own Update (handle_update) or, for a joining node, its Join.
    Connection c;
    c.link = link;
    c.outbound = outbound;
    c.returned = held_down(now, peer);
    // Our neighbour Attach to it still pending: the answerer's link can beat its AttachAns.
    c.requested = why.has_value() || (outbound && !answered) || attach_pending(peer, 0);
    conns_[peer] = c;
  }
  std::erase(join_waiting_, peer);
  if (auto f = std::find(full_update_on_link_.begin(), full_update_on_link_.end(), peer);
      f != full_update_on_link_.end()) {
    full_update_on_link_.erase(f);
    send_update(now, peer, wire::ChordUpdateType::kFull);
  }
  if (why) attached_link_up(now, peer, why);
  // A link to a bootstrap address (no Attach asked for it) that the partition check opened.
  if (outbound && !answered && !why && partition_opening_ && state_ == PeerState::kJoined) {
    partition_link_up(now, peer);
  }
  if (state_ == PeerState::kJoining && phase_ == JoinPhase::kConnecting && outbound) {
    phase_ = JoinPhase::kAttachAp;
    auto target = chord::add(config_.node_id, 1);
    send_attach(now, {wire::Destination::resource(wire::ResourceId{
                         Bytes(target.bytes().begin(), target.bytes().end())})},
                TxPurposeInfo{TxPurpose::kJoinAttach, 0, {}}, true);
  }
  maybe_send_join(now);
  maybe_become_joined(now);
  on_timer(now);
}

void PeerCore::on_link_failed(Millis now, const OpenLink& open) {
  ++counters_.link_errors;
  partition_link_failed(open);
  if (open.expected) {
    connecting_.erase(*open.expected);
    holddown_[*open.expected] = now + config_.failed_peer_holddown;
    std::erase(join_waiting_, *open.expected);
    maybe_send_join(now);
  }
  on_timer(now);
}

void PeerCore::on_link_down(Millis now, LinkId link) {
  auto l = links_.find(link);
  if (l == links_.end()) return;  // closed by us, or unknown
  NodeId peer = l->second;
  links_.erase(l);
  auto it = conns_.find(peer);
  if (it == conns_.end() || it->second.link != link) return;  // a duplicate link
  ++counters_.link_errors;
  remove_peer(now, peer, true);
  on_timer(now);
}

void PeerCore::on_message(Millis now, LinkId link, ByteView bytes) {
  auto l = links_.find(link);
  if (l == links_.end()) {
    ++counters_.dropped_malformed;
    return;
  }
  NodeId prev = l->second;
  receive(now, prev, bytes);
  on_timer(now);
}

void PeerCore::client_link_up(Millis now, LinkId link, const NodeId& peer, bool outbound) {
  links_[link] = peer;
  if (conns_.count(peer)) {
    close_link(link);  // one link per peer is enough
    return;
  }
  conns_[peer] = Connection{link, false, outbound};  // never routable: we are not in the ring
  if (state_ == PeerState::kJoining) {
    state_ = PeerState::kJoined;
    phase_ = JoinPhase::kNone;
  }
  on_timer(now);
}

std::uint64_t PeerCore::send_request(Millis now, const wire::Destination& dest,
                                     wire::MessageCode code, Bytes body, RequestCallback cb,
                                     std::vector<wire::GenericCertificate> certificates,
                                     RequestSigner signer) {
  std::uint64_t id = originate(now, {dest}, code, std::move(body), TxPurpose::kApp, std::move(cb),
                               std::move(certificates), signer);
  on_timer(now);
  return id;
}

void PeerCore::on_timer(Millis now) {
  while (!loopback_.empty()) {
    LocalMessage local = std::move(loopback_.front());
    loopback_.pop_front();
    receive(now, config_.node_id, local.bytes, local.unsigned_local);
  }
  for (std::uint64_t id : txs_.due(now)) {
    Transaction* tx = txs_.find(id);
    if (!tx) continue;
    if (tx->sends >= config_.max_transmissions) {
      Transaction done = *txs_.take(id);
      ++counters_.transaction_timeouts;
      if (done.info.purpose == TxPurpose::kApp) {
        if (done.callback) done.callback(RequestResult{});
      } else {
        on_topology_answer(now, done, nullptr, NodeId{});
      }
      continue;
    }
    ++tx->sends;
    ++counters_.retransmissions;
    tx->next_send = now + config_.reliability_timer;
    if (tx->unsigned_local && !loops_back(tx->first)) {  // it leaves the process now
      tx->bytes = seal(tx->bytes);
      tx->unsigned_local = false;
    }
    if (!tx->bytes.empty()) send_bytes(now, tx->first, tx->bytes, tx->unsigned_local);
  }
  answers_.expire(now);
  expire_awaited(now);
  if (storage_) {
    auto d = storage_->next_deadline();
    if (d && now >= *d) storage_->on_timer(now);
  }
  if (handover_pending_ && (*handover_done_ || now >= handover_deadline_)) send_leaves(now);
  if (state_ == PeerState::kJoining && now >= join_deadline_) {
    // The Join was answered but no Update followed within the reliability timer: the RFC
    // orders the AP's Update after its JoinAns (§10.5 step 7), an AP that Updated us first or
    // not at all still admitted us. Join rather than start over.
    if (phase_ == JoinPhase::kAwaitJoinUpdate) become_joined(now);
    else join(now);
  }
  bool member = state_ == PeerState::kJoined && !config_.client;
  if (member && now >= next_stabilize_) stabilize(now);
  if (member && now >= next_finger_) finger_ping(now);
  if (member && now >= next_partition_check_) partition_check(now);
  if (partition_opening_ && now >= partition_open_until_) partition_opening_.reset();
  if (!loopback_.empty()) on_timer(now);
}

std::vector<Action> PeerCore::take_actions() {
  std::vector<Action> out;
  out.swap(actions_);
  return out;
}

std::optional<Millis> PeerCore::next_deadline() const {
  std::optional<Millis> best = txs_.next_deadline();
  auto consider = [&](std::optional<Millis> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  consider(answers_.next_deadline());
  for (const auto& [id, a] : awaited_) consider(a.until);
  if (state_ == PeerState::kJoining) consider(join_deadline_);
  if (handover_pending_) consider(handover_deadline_);
  if (storage_) consider(storage_->next_deadline());
  if (state_ == PeerState::kJoined && !config_.client) {
    consider(next_stabilize_);
    consider(next_finger_);
    if (!config_.bootstrap.empty()) consider(next_partition_check_);
  }
  if (partition_opening_) consider(partition_open_until_);
  return best;
}

PeerStatus PeerCore::status() const {
  PeerStatus s;
  s.node_id = config_.node_id;
  s.state = state_;
  s.predecessors = table_.predecessors();
  s.successors = table_.successors();
  s.fingers = table_.finger_ids();
  s.finger_count = s.fingers.size();
  s.routing_table_size = table_.size();
  s.connections = conns_.size();
  s.pending_transactions = txs_.size();
  return s;
}

bool PeerCore::held_down(Millis now, const NodeId& id) const {
  auto it = holddown_.find(id);
  return it != holddown_.end() && it->second > now;
}

}  // namespace p2psip::peer
