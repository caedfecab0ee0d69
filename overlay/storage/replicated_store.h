#pragma once
// ReplicatedStore: the DataStore living inside a peer as its StorageHandler, with
// CHORD-RELOAD replication (RFC 6940 §10.4, §10.7.4.3): data lives on the responsible peer and
// its first `replicas` successors (3 copies by default).
//
// Roles, recomputed for every resource on each ring change and every sweep:
//   responsible (predecessor < k <= self): push a copy (StoreReq, replica_number i) to each of
//     the first `replicas` successors that does not yet hold the current one; after every
//     applied Store at once. A predecessor that failed makes us responsible for what we held
//     as a replica: the same rule re-replicates it.
//   replica i (k in (p_i, p_{i-1}], i <= replicas): push our copy to the responsible peer
//     p_{i-1} once (a peer that joined between us and our predecessor gets its data this way).
//   none (further away, with a full predecessor list): erase it (the responsible peer would
//     refuse a replica Store from a node outside the replica set, store_admission.h).
// Copies travel as export_resource() StoreReqs with replica_number >= 1: the receiver skips
// the generation check and merges (data_store.h). Every StoreReq is first judged by
// store_admission.h (responsibility, the StoreReq's signer, plausible replica senders); a
// StoreAns to an original store lists the successors it is replicated to (§7.4.1.2). leave: every resource we are responsible
// for goes to the first `replicas` + 1 successors, the replica set once we are gone (and so
// does any Store applied while we are leaving), and PeerCore sends its Leave when all are
// answered. A copy pushed to a peer that has no role for it yet (the last of those
// successors, before our Leave arrives) is kept for one sweep interval before the role-none
// rule may hand it back.
// Expired values are dropped by the timer.
//
// Each request's stored-data signatures are checked by a DataVerifier that `verifiers` makes
// from the message (the real node: CertificateVerifier::from_block over its certificates; the
// simulator: SimDataVerifier). Certificates that verified stored values are cached by signer
// identity and shipped with replica pushes and Fetch answers.
//
// Must outlive the peer it is attached to (request callbacks refer to it). It reaches the peer
// only through storage::OverlayServices (storage_handler.h).

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "overlay/storage/data_store.h"
#include "overlay/storage/known_certificates.h"
#include "overlay/storage/service.h"
#include "overlay/storage/storage_handler.h"
#include "overlay/storage/store_admission.h"

namespace p2psip::storage {

// Plain numbers for metrics and /status. The certificates of the Certificate Store Usage (RFC
// 6940 §8: every node keeps its own stored, refreshed on a long lifetime) count in
// resources_by_kind only; the other numbers are the usages' data (values, holders, how fresh
// the oldest value is), so that they say what they said before every node stored certificates.
struct StorageStats {
  std::map<std::uint32_t, std::size_t> resources_by_kind;  // kind id -> stored resources
  std::size_t values = 0;
  std::size_t responsible_resources = 0;   // we are the responsible peer
  std::size_t replica_resources = 0;       // held as a replica
  // The smallest storage_time (Unix ms) of the stored values, 0 when none: it moves forward
  // while every holder keeps refreshing its values.
  std::uint64_t oldest_storage_time = 0;
  std::map<std::string, std::uint64_t> store_results;  // "ok" or snake_case error name
  std::map<std::string, std::uint64_t> fetch_results;  // e.g. "forbidden", "data_too_old"
};

using VerifierFactory = std::function<std::unique_ptr<DataVerifier>(const wire::Message&)>;

struct ReplicatedStoreConfig {
  std::size_t replicas = 2;          // copies beyond the responsible peer's own
  Millis sweep_interval{60000};      // periodic re-check of every role (retries after losses)
};

class ReplicatedStore final : public StorageHandler {
 public:
  ReplicatedStore(const KindRegistry& kinds, VerifierFactory verifiers,
                  ReplicatedStoreConfig config = {});

  // StorageHandler
  void attach(OverlayServices& overlay) override { overlay_ = &overlay; }
  StorageAnswer on_request(Millis now, const StorageRequest& request) override;
  void on_ring_changed(Millis now, const chord::RoutingTable& table) override;
  std::optional<Millis> next_deadline() const override;
  void on_timer(Millis now) override;
  void on_leave(Millis now, std::function<void()> done) override;
  std::size_t resource_count() const override { return store_.resource_count(); }

  // Every certificate value of the §8 kinds this store applies (an original or a replica
  // Store) is offered to `known`, so that signatures naming it verify without it (RFC 6940
  // §6.3.4, known_certificates.h). `known` must outlive the store; null: off.
  void learn_certificates(KnownCertificates* known) { known_ = known; }

  StorageStats stats() const;  // walks every stored value (see Node::storage_stats)
  // Only stats()'s request counters (store_results, fetch_results): O(result names).
  void copy_results(StorageStats& into) const {
    into.store_results = store_results_;
    into.fetch_results = fetch_results_;
  }
  const DataStore& data() const { return store_; }
  std::size_t drop_signed_by(const std::function<bool(const wire::NodeId&)>& listed) {
    return store_.drop_signed_by(listed);
  }
  std::size_t pushes_in_flight() const { return inflight_; }
  std::size_t cached_certificates() const { return certs_.size(); }

 private:
  enum class Role : std::uint8_t { kUnknown, kResponsible, kReplica, kNone };
  struct Placement {
    Role role = Role::kUnknown;
    std::optional<wire::NodeId> responsible;  // for kReplica
  };
  Placement place(const wire::ResourceId& res) const;
  RingView ring_view() const;
  std::optional<ServiceAnswer> admit(const StorageRequest& r, const DataVerifier& verifier,
                                     RequestContext& ctx) const;
  void reconcile_all(Millis now);
  void reconcile(Millis now, const wire::ResourceId& res);
  void push(Millis now, const wire::ResourceId& res, const wire::Destination& to,
            const wire::NodeId& target, std::uint8_t replica_number, bool erase_after);
  void after_store(Millis now, const StorageRequest& r, DataVerifier& verifier);
  std::vector<wire::GenericCertificate> certificates_for(const wire::StoreReq& data) const;
  std::vector<wire::GenericCertificate> fetch_certificates(const wire::Message& m) const;
  void prune_certificates();
  void push_done();
  void hand_to_successors(Millis now, const wire::ResourceId& res);
  bool active() const;
  WallMs wall(Millis now) const { return overlay_ ? overlay_->wall_ms(now) : 0; }
  RingRole role() const { return overlay_ ? overlay_->ring_role() : RingRole::kOutside; }

  const KindRegistry& kinds_;
  VerifierFactory verifiers_;
  ReplicatedStoreConfig config_;
  DataStore store_;
  OverlayServices* overlay_ = nullptr;  // the peer we live in (attach)
  KnownCertificates* known_ = nullptr;   // learns the §8 kinds' certificates (optional)
  std::map<wire::ResourceId, std::set<wire::NodeId>, BytesLess> pushed_;  // hold our copy
  std::set<wire::ResourceId, BytesLess> handing_off_;  // role none: handover under way
  // Role none, but a holder pushed us its copy (a leaving peer's handover): not handed back
  // before this time.
  std::map<wire::ResourceId, Millis, BytesLess> kept_copies_;
  std::map<Bytes, wire::GenericCertificate, BytesLess> certs_;  // encoded identity -> cert
  std::map<std::string, std::uint64_t> store_results_;
  std::map<std::string, std::uint64_t> fetch_results_;
  Millis next_sweep_{0};
  Millis next_housekeeping_{0};  // pushed_ and certs_ pruned after expiries (on_timer)
  mutable std::optional<std::optional<WallMs>> expiry_;  // store_.next_expiry(), cached
  std::size_t inflight_ = 0;
  std::function<void()> leave_done_;
};

// "ok" for an answer, else the snake_case §14.9 name of the ErrorResponse's code
// ("forbidden", "data_too_old"; "error_<n>" for an unassigned one).
std::string result_name(wire::MessageCode code, ByteView body);

}  // namespace p2psip::storage
