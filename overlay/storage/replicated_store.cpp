#include "overlay/storage/replicated_store.h"

#include <algorithm>
#include <cctype>

#include "overlay/chord/ring.h"
#include "overlay/storage/service.h"
#include "overlay/wire/bodies_misc.h"

namespace p2psip::storage {

using wire::MessageCode;

namespace {

Bytes identity_key(const wire::SignerIdentity& id) {
  auto b = wire::encode_to_bytes(id);
  return b ? std::move(*b) : Bytes{};
}

wire::NodeId point_of(const wire::ResourceId& res) { return chord::ring_point(res); }

// Fetch, Stat and Find check no signatures: no need to parse the message's certificates.
class NoVerifier final : public DataVerifier {
 public:
  std::optional<SignerInfo> verify(const wire::Signature&, ByteView) override {
    return std::nullopt;
  }
};

}  // namespace

std::string result_name(MessageCode code, ByteView body) {
  if (code != MessageCode::kError) return "ok";
  auto e = wire::decode_error_response(body);
  if (!e) return "invalid_message";
  const char* n = wire::error_code_name(e->error_code);
  if (!n) return "error_" + std::to_string(e->error_code);
  std::string s(n);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ReplicatedStore::ReplicatedStore(const KindRegistry& kinds, VerifierFactory verifiers,
                                 ReplicatedStoreConfig config)
    : kinds_(kinds), verifiers_(std::move(verifiers)), config_(config), store_(kinds) {}

bool ReplicatedStore::active() const { return role() == RingRole::kMember; }

RingView ReplicatedStore::ring_view() const {
  RingView v;
  if (!overlay_) return v;
  const chord::RoutingTable& t = overlay_->routing_table();
  v.self = overlay_->node_id();
  v.predecessors = t.predecessors();
  v.known = t.peers();
  v.known.insert(v.known.end(), t.predecessors().begin(), t.predecessors().end());
  v.known.insert(v.known.end(), t.successors().begin(), t.successors().end());
  v.member = active();
  v.replicas = config_.replicas;
  return v;
}

// The Store checks that need the ring and the message (store_admission.h); nullopt: admitted.
std::optional<ServiceAnswer> ReplicatedStore::admit(const StorageRequest& r,
                                                    const DataVerifier& verifier,
                                                    RequestContext& ctx) const {
  auto req = wire::decode_store_req(ByteView(r.message.contents.message_body),
                                    kinds_.model_lookup());
  if (!req) return std::nullopt;  // handle_storage_request answers Error_Invalid_Message
  RingView ring = ring_view();
  ctx.responsible = responsible_for(ring, req->resource);
  if (ctx.responsible && role() == RingRole::kMember) {
    const auto& succs = overlay_->routing_table().successors();
    std::size_t n = std::min(config_.replicas, succs.size());
    ctx.replicas.assign(succs.begin(), succs.begin() + static_cast<long>(n));
  }
  auto refused = admit_store(*req, kinds_, ring, r.sender, verifier.message_signer(r.message),
                             verifier.judges_message_signer());
  if (!refused) return std::nullopt;
  return error_answer(*refused);
}

StorageAnswer ReplicatedStore::on_request(Millis now, const StorageRequest& r) {
  MessageCode code = r.message.contents.code();
  ByteView body(r.message.contents.message_body);
  std::unique_ptr<DataVerifier> verifier;
  if (code == MessageCode::kStoreReq) verifier = verifiers_(r.message);
  if (!verifier) verifier = std::make_unique<NoVerifier>();
  RequestContext ctx{wall(now), r.responsible, {}};
  std::optional<ServiceAnswer> refused;
  if (code == MessageCode::kStoreReq) refused = admit(r, *verifier, ctx);
  ServiceAnswer a = refused ? std::move(*refused)
                            : handle_storage_request(store_, kinds_, code, body, ctx, *verifier);
  if (code == MessageCode::kStoreReq) expiry_.reset();  // store() may also expire values
  StorageAnswer out{a.code, std::move(a.body), {}};
  std::string result = result_name(out.code, ByteView(out.body));
  if (code == MessageCode::kStoreReq) {
    ++store_results_[result];
    if (out.code == MessageCode::kStoreAns) after_store(now, r, *verifier);
  } else if (code == MessageCode::kFetchReq) {
    ++fetch_results_[result];
    if (out.code == MessageCode::kFetchAns) out.certificates = fetch_certificates(r.message);
  }
  return out;
}

void ReplicatedStore::after_store(Millis now, const StorageRequest& r, DataVerifier& verifier) {
  const wire::Message& m = r.message;
  auto req = wire::decode_store_req(ByteView(m.contents.message_body), kinds_.model_lookup());
  if (!req) return;
  for (const auto& kd : req->kind_data) {
    for (const auto& v : kd.values) {
      Bytes key = identity_key(v.signature.identity);
      if (certs_.count(key)) continue;
      if (auto c = verifier.certificate_for(v.signature.identity)) certs_[key] = std::move(*c);
    }
  }
  if (known_) {
    known_->learn_stored(*req, std::chrono::floor<std::chrono::seconds>(
                                   std::chrono::sys_time<std::chrono::milliseconds>(
                                       std::chrono::milliseconds(wall(now)))));
  }
  // A new value: every other holder needs the copy again. A copy from a peer: that peer
  // holds it (and no copy goes back to it, which would ping-pong).
  auto& done = pushed_[req->resource];
  done.clear();
  if (req->replica_number > 0) done.insert(r.sender);
  if (role() == RingRole::kLeaving) {
    hand_to_successors(now, req->resource);  // arrived during our handover: pass it on
    return;
  }
  if (req->replica_number > 0 && active() && place(req->resource).role == Role::kNone) {
    // Handing it straight back to the responsible peer would undo a leaving peer's handover
    // (its Leave comes after the handover): keep it until the next sweep.
    kept_copies_[req->resource] = now + config_.sweep_interval;
  }
  reconcile(now, req->resource);
}

std::vector<wire::GenericCertificate> ReplicatedStore::certificates_for(
    const wire::StoreReq& data) const {
  std::vector<wire::GenericCertificate> out;
  for (const auto& kd : data.kind_data) {
    for (const auto& v : kd.values) {
      auto it = certs_.find(identity_key(v.signature.identity));
      if (it != certs_.end() && std::find(out.begin(), out.end(), it->second) == out.end()) {
        out.push_back(it->second);
      }
    }
  }
  return out;
}

std::vector<wire::GenericCertificate> ReplicatedStore::fetch_certificates(
    const wire::Message& m) const {
  if (certs_.empty()) return {};
  auto req = wire::decode_fetch_req(ByteView(m.contents.message_body), kinds_.model_lookup());
  if (!req) return {};
  auto all = store_.export_resource(req->resource, 0, 0);
  return all ? certificates_for(*all) : std::vector<wire::GenericCertificate>{};
}

ReplicatedStore::Placement ReplicatedStore::place(const wire::ResourceId& res) const {
  const chord::RoutingTable& t = overlay_->routing_table();
  wire::NodeId k = point_of(res);
  if (t.is_responsible(k)) return {Role::kResponsible, std::nullopt};
  const auto& preds = t.predecessors();
  for (std::size_t i = 0; i + 1 < preds.size() && i < config_.replicas; ++i) {
    if (chord::between_left_open(preds[i + 1], k, preds[i])) return {Role::kReplica, preds[i]};
  }
  if (preds.size() > config_.replicas) return {Role::kNone, std::nullopt};
  return {Role::kUnknown, std::nullopt};  // too few peers to tell: keep it
}

void ReplicatedStore::reconcile(Millis now, const wire::ResourceId& res) {
  if (!active()) return;
  Placement p = place(res);
  std::set<wire::NodeId>& done = pushed_[res];
  if (p.role == Role::kResponsible) {
    const auto& succs = overlay_->routing_table().successors();
    std::size_t n = std::min(config_.replicas, succs.size());
    std::set<wire::NodeId> targets(succs.begin(), succs.begin() + static_cast<long>(n));
    std::erase_if(done, [&](const wire::NodeId& id) { return !targets.count(id); });
    for (std::size_t i = 0; i < n; ++i) {
      if (done.count(succs[i])) continue;
      done.insert(succs[i]);
      push(now, res, wire::Destination::node(succs[i]), succs[i],
           static_cast<std::uint8_t>(i + 1), false);
    }
  } else if (p.role == Role::kReplica) {
    if (done.size() == 1 && done.count(*p.responsible)) return;
    done = {*p.responsible};
    // The copy back to the responsible peer: after a join this is the §10.5 step 6 hand-off
    // ("AP MUST do a series of Store requests to JN"). The RFC does not say which
    // replica_number it carries. Not 0: that is "a node storing its own data" (§7.4.1.1), and
    // the receiver would hold the StoreReq's signer (us) to the kind's access policy (§7.3),
    // which we cannot pass for other users' data. So a replica Store, numbered 1: we are a
    // member of the receiver's replica set, which §7.4.1.1 admits as a sender.
    push(now, res, wire::Destination::node(*p.responsible), *p.responsible, 1, false);
  } else if (p.role == Role::kNone) {
    if (auto kept = kept_copies_.find(res); kept != kept_copies_.end()) {
      if (now < kept->second) return;
      kept_copies_.erase(kept);
    }
    // Farther from the resource than its replica set: the responsible peer would refuse a
    // replica Store from us (§7.4.1.1, store_admission.h), and the replica set holds the data
    // (each member got it from the responsible peer). Drop our copy.
    store_.erase_resource(res);
    expiry_.reset();
    pushed_.erase(res);
  }
}

void ReplicatedStore::reconcile_all(Millis now) {
  if (!active()) return;
  auto stored = store_.resources();
  std::set<wire::ResourceId, BytesLess> live(stored.begin(), stored.end());
  std::erase_if(pushed_, [&](const auto& kv) { return !live.count(kv.first); });
  std::erase_if(kept_copies_, [&](const auto& kv) { return !live.count(kv.first); });
  for (const auto& res : stored) reconcile(now, res);
}

void ReplicatedStore::push(Millis now, const wire::ResourceId& res, const wire::Destination& to,
                           const wire::NodeId& target, std::uint8_t replica_number,
                           bool erase_after) {
  auto req = store_.export_resource(res, wall(now), replica_number);
  if (!req) return;
  auto body = wire::encode_to_bytes(*req);
  if (!body) return;
  ++inflight_;
  auto cb = [this, res, target, erase_after](bool ok) {
    auto it = pushed_.find(res);
    if (!ok && it != pushed_.end()) it->second.erase(target);  // retried by a later sweep
    if (erase_after) {
      handing_off_.erase(res);
      // Erase only if we still have no role for it (the ring may have moved meanwhile).
      if (ok && active() && place(res).role == Role::kNone) {
        store_.erase_resource(res);
        expiry_.reset();
        pushed_.erase(res);
      }
    }
    push_done();
  };
  overlay_->send_request(now, to, MessageCode::kStoreReq, std::move(*body), std::move(cb),
                         certificates_for(*req));
}

void ReplicatedStore::push_done() {
  if (inflight_ > 0) --inflight_;
  if (inflight_ == 0 && leave_done_) {
    auto done = std::move(leave_done_);
    leave_done_ = nullptr;
    done();
  }
}

void ReplicatedStore::on_ring_changed(Millis now, const chord::RoutingTable&) {
  reconcile_all(now);
}

std::optional<Millis> ReplicatedStore::next_deadline() const {
  if (!overlay_) return std::nullopt;
  std::optional<Millis> best;
  if (active()) best = next_sweep_;
  if (!expiry_) expiry_ = store_.next_expiry();  // O(values): cached between changes
  if (auto e = *expiry_) {
    Millis at = overlay_->monotonic_at(*e);
    if (!best || at < *best) best = at;
  }
  return best;
}

void ReplicatedStore::on_timer(Millis now) {
  WallMs w = wall(now);
  if (!expiry_) expiry_ = store_.next_expiry();
  if (auto e = *expiry_; e && *e <= w) {
    store_.expire(w);
    expiry_.reset();
    // The bookkeeping of what expired walks everything held: at most once per sweep interval,
    // not once per expiry (with many values their expiries come every few ms). Until then an
    // entry of pushed_ or certs_ may outlive its data: pushed_ is cleared by the next store of
    // the resource (after_store) and certs_ only adds certificates to answers that need them.
    if (now >= next_housekeeping_) {
      next_housekeeping_ = now + config_.sweep_interval;
      std::erase_if(pushed_, [&](const auto& kv) { return !store_.holds(kv.first); });
      prune_certificates();
    }
  }
  if (active() && now >= next_sweep_) {
    next_sweep_ = now + config_.sweep_interval;
    reconcile_all(now);
  }
}

void ReplicatedStore::prune_certificates() {
  std::set<Bytes, BytesLess> used;
  store_.for_each_resource([&](const wire::ResourceId&, const DataStore::Resource& kinds) {
    for (const auto& [kind, state] : kinds) {
      for (const auto& [key, e] : state.entries) {
        used.insert(identity_key(e.data.signature.identity));
      }
    }
  });
  std::erase_if(certs_, [&](const auto& kv) { return !used.count(kv.first); });
}

void ReplicatedStore::hand_to_successors(Millis now, const wire::ResourceId& res) {
  // Once we are gone, our first successor is responsible and the replica set is our first
  // replicas + 1 successors (§10.7.3; our Leave is handled as a failure, §10.9). Each of them
  // gets the copy from us: the last one holds none yet, and the data must not depend on the
  // first successors living long enough to re-replicate it.
  const auto& succs = overlay_->routing_table().successors();
  std::size_t n = std::min(config_.replicas + 1, succs.size());
  for (std::size_t i = 0; i < n; ++i) {
    push(now, res, wire::Destination::node(succs[i]), succs[i], static_cast<std::uint8_t>(i + 1),
         false);
  }
}

void ReplicatedStore::on_leave(Millis now, std::function<void()> done) {
  if (!overlay_) return done();
  for (const auto& res : store_.resources()) {
    if (overlay_->routing_table().is_responsible(point_of(res))) hand_to_successors(now, res);
  }
  if (inflight_ == 0) return done();
  leave_done_ = std::move(done);
}

// Read in place, once a second for the metrics: O(values), no copy (for_each_resource).
StorageStats ReplicatedStore::stats() const {
  StorageStats s;
  copy_results(s);
  bool ring = role() == RingRole::kMember || role() == RingRole::kLeaving;
  store_.for_each_resource([&](const wire::ResourceId& res, const DataStore::Resource& kinds) {
    bool usage_data = false;
    for (const auto& [kind, state] : kinds) {
      if (state.entries.empty()) continue;
      ++s.resources_by_kind[kind];
      if (is_certificate_kind(kind)) continue;  // the §8 store: by kind only (stats' comment)
      usage_data = true;
      s.values += state.entries.size();
      for (const auto& [key, e] : state.entries) {
        std::uint64_t t = e.data.storage_time;
        if (s.oldest_storage_time == 0 || t < s.oldest_storage_time) s.oldest_storage_time = t;
      }
    }
    if (!usage_data) return;
    if (ring && overlay_->routing_table().is_responsible(point_of(res))) {
      ++s.responsible_resources;
    } else {
      ++s.replica_resources;
    }
  });
  return s;
}

}  // namespace p2psip::storage
