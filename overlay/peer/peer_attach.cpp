// PeerCore, the Attach method (RFC 6940 §6.5.1) with TLS-TCP-FH-NO-ICE candidates: the
// requester says "passive" and is the TLS server, the answerer says "active" and connects to
// the requester's candidate (§6.5.1.1, §6.5.1.13, RFC 4145); crossing Attaches (§6.5.1.2).
#include <algorithm>

#include "overlay/peer/peer_core.h"
#include "overlay/wire/bodies.h"

namespace p2psip::peer {
namespace {

wire::AttachReqAns attach_body(const wire::IpAddressPort& listen, const char* role, bool update) {
  wire::AttachReqAns a;
  a.role = role;
  wire::IceCandidate c;
  c.addr_port = listen;
  c.overlay_link = wire::OverlayLinkType::kTlsTcpFhNoIce;
  c.foundation = "1";
  c.priority = 1;
  c.type = wire::CandType::kHost;
  a.candidates.push_back(std::move(c));
  a.send_update = update;
  return a;
}

}  // namespace

std::uint64_t PeerCore::send_attach(Millis now, std::vector<wire::Destination> dests,
                                    TxPurposeInfo info, bool send_update) {
  // §6.5.1.1: the requester (offerer) says "passive" and is the TLS server (§6.5.1.13): the
  // answerer connects to our candidate.
  auto body = wire::encode_to_bytes(attach_body(config_.listen, "passive", send_update));
  std::uint64_t id = originate(now, std::move(dests), wire::MessageCode::kAttachReq,
                               std::move(*body), info.purpose);
  if (auto* tx = txs_.find(id)) tx->info = info;
  return id;
}

void PeerCore::handle_attach(Millis now, const NodeId& prev, const wire::Message& m,
                             const NodeId& from) {
  auto req = wire::decode_attach_req_ans(ByteView(m.contents.message_body));
  if (!req) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, req.error().what);
  }
  if (from != config_.node_id && attach_in_progress(now, prev, m, from)) return;
  // §6.5.1.1: the answerer says "active"; §6.5.1.13: it is the TLS client and opens the link
  // to the requester's candidate.
  auto body = wire::encode_to_bytes(attach_body(config_.listen, "active", false));
  answer_raw(now, prev, m.header, wire::MessageCode::kAttachAns, std::move(*body), true);
  if (from == config_.node_id) return;
  connect_to_requester(from, *req);
  if (!req->send_update) return;
  if (conns_.count(from)) {
    send_update(now, from, wire::ChordUpdateType::kFull);
  } else if (std::find(full_update_on_link_.begin(), full_update_on_link_.end(), from) ==
             full_update_on_link_.end()) {
    full_update_on_link_.push_back(from);
  }
}

// §6.5.1.2: an Attach from a node we are attaching to ourselves. Answered (our AttachAns
// received, its connection in progress): Error_In_Progress. Not yet answered: the smaller
// Node-ID cancels its own request and answers; the larger answers Error_In_Progress.
bool PeerCore::attach_in_progress(Millis now, const NodeId& prev, const wire::Message& m,
                                  const NodeId& from) {
  bool refuse = awaited_.count(from) != 0;
  std::optional<std::uint64_t> mine;
  for (const auto& [tid, tx] : txs_.all()) {
    if (tx.info.purpose == TxPurpose::kNeighborAttach && tx.info.peer == from) mine = tid;
  }
  if (!refuse && mine) {
    if (config_.node_id < from) {
      txs_.take(*mine);  // cancelled: the link the requester asks for serves us both
    } else {
      refuse = true;
    }
  }
  if (refuse) answer_error(now, prev, m.header, wire::ErrorCode::kInProgress, "attach in progress");
  return refuse;
}

void PeerCore::connect_to_requester(const NodeId& from, const wire::AttachReqAns& req) {
  // Requesters are enrolled nodes (the signature was verified); the bound keeps a flood of
  // Attaches from making us dial out without limit.
  constexpr std::size_t kMaxConnecting = 64;
  if (config_.client || conns_.count(from) || connecting_.count(from) ||
      connecting_.size() >= kMaxConnecting) {
    return;
  }
  for (const auto& c : req.candidates) {
    if (c.overlay_link != wire::OverlayLinkType::kTlsTcpFhNoIce) continue;
    connecting_[from] = TxPurposeInfo{};
    push(OpenLink{c.addr_port, from});
    return;
  }
}

void PeerCore::on_attach_answer(Millis now, const Transaction& tx, const wire::Message& m,
                                const NodeId& from) {
  auto ans = wire::decode_attach_req_ans(ByteView(m.contents.message_body));
  if (!ans || from == config_.node_id) return on_topology_answer(now, tx, nullptr, from);
  const wire::IceCandidate* cand = nullptr;
  for (const auto& c : ans->candidates) {
    if (c.overlay_link == wire::OverlayLinkType::kTlsTcpFhNoIce) {
      cand = &c;
      break;
    }
  }
  bool joining = state_ == PeerState::kJoining;
  if (tx.info.purpose == TxPurpose::kJoinAttach) {
    if (!joining || phase_ != JoinPhase::kAttachAp) return;
    admitting_ = from;
    bool updated = std::find(updated_while_joining_.begin(), updated_while_joining_.end(),
                             from) != updated_while_joining_.end();
    phase_ = updated ? JoinPhase::kAttachNeighbors : JoinPhase::kAwaitApUpdate;
  }
  std::erase(join_waiting_, tx.info.peer);
  if (conns_.count(from)) {
    attached_link_up(now, from, tx.info);
  } else if (!awaited_.count(from)) {
    // §6.5.1.13: the answerer ("active") connects to our candidate; we wait for its link.
    awaited_[from] = AwaitedLink{tx.info, now + config_.request_lifetime};
    if (joining && tx.info.purpose == TxPurpose::kNeighborAttach) join_waiting_.push_back(from);
    // An answerer that says "passive" waits for us (RFC 4145 roles read the other way
    // round): connect to it so that both readings meet.
    if (ans->role == "passive" && cand && !connecting_.count(from)) {
      connecting_[from] = tx.info;
      push(OpenLink{cand->addr_port, from});
    }
  }
  maybe_send_join(now);
}

// The link our Attach asked for is up (or was already there).
void PeerCore::attached_link_up(Millis now, const NodeId& peer,
                                const std::optional<TxPurposeInfo>& why) {
  if (why && why->purpose == TxPurpose::kFingerAttach) {
    if (table_.contains(peer)) {
      table_.set_finger(why->finger, peer);
    } else {
      finger_wait_[peer] = why->finger;  // set once the peer is routable (its Update)
    }
  }
  auto c = conns_.find(peer);
  // Our Attach asked for this link even when the answerer's connection beat its AttachAns.
  if (c != conns_.end() && why) c->second.requested = true;
  if (state_ != PeerState::kJoined || config_.client || c == conns_.end()) return;
  // §10.7.3: a successful Attach to a new neighbour changes the Neighbor Table: Update every
  // connection (the new neighbour included).
  if (why && why->purpose == TxPurpose::kNeighborAttach && !c->second.routable &&
      !c->second.attached_neighbor) {
    c->second.attached_neighbor = true;
    return update_connections(now);
  }
  // The peer may route through us only after an Update from us (§6.5.1): a peer_ready-like
  // Update tells it we are a ring peer; its Update back (handle_update) makes it routable.
  if (!c->second.update_sent) send_update(now, peer, wire::ChordUpdateType::kNeighbors);
}

void PeerCore::expire_awaited(Millis now) {
  for (auto it = awaited_.begin(); it != awaited_.end();) {
    if (it->second.until > now) {
      ++it;
      continue;
    }
    NodeId id = it->first;
    it = awaited_.erase(it);
    std::erase(join_waiting_, id);
    if (state_ == PeerState::kJoining && admitting_ && *admitting_ == id) join_deadline_ = now;
    maybe_send_join(now);
  }
  maybe_become_joined(now);
}

}  // namespace p2psip::peer
