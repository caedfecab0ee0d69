#pragma once
// PeerCore: one node's RELOAD behaviour (RFC 6940 §6 forwarding and transactions, §10
// CHORD-RELOAD), sans-IO in the style of ngtcp2: bytes and timestamps in, actions and the next
// deadline out. No sockets, no clock, no threads, no globals. The real driver (libuv + TLS links)
// and the simulator (overlay/sim) drive the very same code.
//
// ---- Ownership -----------------------------------------------------------------------------
// The driver owns the PeerCore, the MessageSigner and the optional StorageHandler (both must
// outlive the core). The core owns its routing table, connection table and transactions.
// `now` is a monotonic time (Millis) that never goes backwards between calls.
//
// ---- Inputs (the driver calls) ---------------------------------------------------------------
//   start(now)                      begin: a new overlay if config.bootstrap is empty, else join
//   join(now)                       (re)join through the bootstrap addresses (start() does it)
//   leave(now)                      clean Leave (§10.9); state goes kLeaving -> kLeft. With a
//                                   StorageHandler, its on_leave() hands data to the
//                                   neighbours first (bounded by leave_handover_timeout),
//                                   then the Leave messages go out
//   on_link_up(now, link, id, out)  a link is established; `id` is the Node-ID the peer proved
//                                   (TLS certificate); out = we opened it (after OpenLink)
//   on_link_failed(now, open)       an OpenLink we asked for could not be established
//   on_link_down(now, link)         a live link closed or failed (also after our CloseLink)
//   on_message(now, link, bytes)    one whole RELOAD message arrived on the link (deframed,
//                                   reassembled); any bytes at all: malformed input is answered
//                                   with Error_Invalid_Message or dropped and counted
//   on_timer(now)                   call when now >= next_deadline() (calling early is harmless)
//   on_verified(now, id, signer)    the result of a VerifySignature action's check
//                                   (PeerConfig::deferred_verification), in any order
//   send_request(now, dest, code, body, cb, certs, signer)  originate a request
//                                   (storage/usage layers, tools); cb runs exactly once, from
//                                   inside a later input call; `certs` are appended to the
//                                   security block (not covered by the §6.3.4 signature);
//                                   `signer`, when set, signs the message in place of the
//                                   MessageSigner (§6.3.4, e.g. a StoreReq's registrant, §7.3)
//                                   and its certificates travel instead of the node's; the
//                                   transaction and its answer stay the node's
//
// ---- Storage ---------------------------------------------------------------------------------
// An optional StorageHandler (overlay/storage/storage_handler.h) answers Store/Fetch/Stat/Find,
// gets the core's storage::OverlayServices at construction (send_request, routing table,
// Node-ID, wall clock, ring role), every ring change, its timer folded into
// next_deadline()/on_timer(), and a leave hook. Wall-clock ms for it: wall_ms(now) = now +
// PeerConfig::wall_clock_offset_ms.
//
// ---- Client mode (PeerConfig::client, RFC 6940 §3.2) ------------------------------------------
// start() opens links to the bootstrap addresses; the first link up makes the state kJoined.
// A client never sends Attach/Join/Update, is responsible for nothing, never enters anyone's
// routing table, and sends every request over a link to a bootstrap peer; answers come back
// along the via list. Losing every link starts the connect again (state kJoining). Peers
// accept requests from such a non-routable previous hop and answer over its link.
//
// ---- Outputs (the driver drains after every input) -------------------------------------------
//   take_actions()    SendOnLink / OpenLink / CloseLink / VerifySignature, in order; perform
//                     them all
//   next_deadline()   when to call on_timer next (nullopt: nothing scheduled)
//   status(), counters()   plain snapshots for /status and Prometheus
//
// A real-network driver must: accept inbound TLS links and report them with on_link_up(..,
// false) once the peer's certificate gives its Node-ID (the answerer of our Attach connects to
// us: RFC 6940 §6.5.1.13); perform OpenLink by connecting to addr
// and checking the certificate's Node-ID against `expected` when set (mismatch: close and
// report on_link_failed); deframe/reassemble and hand each message to on_message; report
// every closed link with on_link_down; re-arm one timer to next_deadline() after each call.
// Callbacks (RequestCallback, StorageHandler) run synchronously inside input calls; they may
// call send_request() but must not destroy the core.

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>

#include "common/splitmix64.h"
#include "overlay/chord/routing_table.h"
#include "overlay/peer/config_update_limit.h"
#include "overlay/peer/peer_types.h"
#include "overlay/peer/transactions.h"
#include "overlay/wire/bodies.h"
#include "overlay/wire/fragmentation.h"

namespace p2psip::peer {

class PeerCore {
 public:
  PeerCore(PeerConfig config, MessageSigner& signer, StorageHandler* storage = nullptr);
  PeerCore(const PeerCore&) = delete;  // the attached StorageHandler holds on to it
  PeerCore& operator=(const PeerCore&) = delete;

  // ---- inputs ----
  void start(Millis now);
  void join(Millis now);
  void leave(Millis now);
  void on_link_up(Millis now, LinkId link, const NodeId& peer, bool outbound);
  void on_link_failed(Millis now, const OpenLink& open);
  void on_link_down(Millis now, LinkId link);
  void on_message(Millis now, LinkId link, ByteView bytes);
  void on_timer(Millis now);
  void on_verified(Millis now, std::uint64_t id, std::optional<NodeId> signer);
  // Delivered messages waiting for their VerifySignature at most (deferred_verification); a
  // message beyond is dropped and counted (verify_queue_full), as if lost on the way: RELOAD's
  // retransmission (§6.2.1) recovers it. 256 P-256 verifications take ~70 ms.
  static constexpr std::size_t kMaxPendingVerifications = 256;
  // Returns the transaction id. The destination may be a Node-ID or a Resource-ID.
  std::uint64_t send_request(Millis now, const wire::Destination& dest, wire::MessageCode code,
                             Bytes body, RequestCallback cb,
                             std::vector<wire::GenericCertificate> certificates = {},
                             RequestSigner signer = {});

  // The configuration document this node runs with (RFC 6940 §11.1): its sequence goes into
  // every forwarding header the core builds, requests delivered here are checked against it
  // (§6.3.2.1, config_sequence.h) and `document` is what a ConfigUpdate (§6.5.4) carries to a
  // requester with an older one. 0 and empty: none (nothing checked). The handler reads
  // ConfigUpdates and hears of newer sequences; nullptr: ConfigUpdates are refused.
  void set_configuration(std::uint16_t sequence, Bytes document);
  void set_configuration_handler(ConfigurationHandler* handler) { config_handler_ = handler; }
  std::uint16_t configuration_sequence() const { return config_sequence_; }

  // ---- outputs ----
  std::vector<Action> take_actions();
  bool has_actions() const { return !actions_.empty(); }
  std::optional<Millis> next_deadline() const;
  PeerStatus status() const;
  const PeerCounters& counters() const { return counters_; }
  const chord::RoutingTable& routing_table() const { return table_; }
  const NodeId& node_id() const { return config_.node_id; }
  PeerState state() const { return state_; }
  const PeerConfig& config() const { return config_; }
  std::uint64_t wall_ms(Millis now) const {
    return static_cast<std::uint64_t>(now.count()) + config_.wall_clock_offset_ms;
  }

 private:
  struct Connection {
    LinkId link = 0;
    bool routable = false;   // a ring peer we may route through
    bool outbound = false;   // we opened it
    // The link came up while the peer was held down (after its Leave or failure): a new
    // incarnation, or connectivity re-established (RFC 6940 §10.7.1). Its own Update over
    // this link returns it to the Neighbor Table (handle_update).
    bool returned = false;
    // We asked for this link (our Attach, answered by the peer connecting to us, or a
    // bootstrap we opened): prune_links may close it when it serves no more.
    bool requested = false;
    bool update_sent = false;  // we have sent the peer an Update over this connection
    // A neighbour we Attached to: in the Neighbor Table we advertise, but not routed through
    // before its own Update (RFC 6940 §6.5.1).
    bool attached_neighbor = false;
  };
  // Our Attach was answered; the answerer opens the link to our candidate (§6.5.1.13).
  struct AwaitedLink {
    TxPurposeInfo info;
    Millis until{0};
  };
  // What the attached StorageHandler may use of this core.
  class StorageServices final : public storage::OverlayServices {
   public:
    explicit StorageServices(PeerCore& core) : core_(core) {}
    void send_request(Millis now, const wire::Destination& to, wire::MessageCode code,
                      Bytes body, std::function<void(bool answered)> done,
                      std::vector<wire::GenericCertificate> certificates) override;
    const chord::RoutingTable& routing_table() const override { return core_.table_; }
    const wire::NodeId& node_id() const override { return core_.config_.node_id; }
    storage::RingRole ring_role() const override;
    std::uint64_t wall_ms(Millis now) const override { return core_.wall_ms(now); }
    Millis monotonic_at(std::uint64_t wall_ms) const override;

   private:
    PeerCore& core_;
  };
  enum class JoinPhase : std::uint8_t { kNone, kConnecting, kAttachAp, kAwaitApUpdate,
                                        kAttachNeighbors, kJoinSent, kAwaitJoinUpdate };

  // A message this node sends itself (send_bytes): delivered from the loopback queue by
  // on_timer. `unsigned_local`: built without a signature (peer_in_process.cpp).
  struct LocalMessage {
    Bytes bytes;
    bool unsigned_local = false;
  };

  // forwarding (peer_forwarding.cpp)
  void receive(Millis now, const NodeId& prev_hop, ByteView bytes, bool unsigned_local = false);
  void forward(Millis now, const NodeId& prev_hop, wire::ForwardingHeader h, ByteView payload,
               bool is_request);
  void deliver(Millis now, const NodeId& prev_hop, ByteView bytes,
               const wire::ForwardingHeader& h, bool unsigned_local);
  // deliver()'s second half, once the signature is judged (peer_verify.cpp)
  void delivered(Millis now, const NodeId& prev_hop, const wire::Message& m,
                 const std::optional<NodeId>& sender);
  void defer_verification(const NodeId& prev_hop, wire::Message m);
  void answer_error(Millis now, const NodeId& prev_hop, const wire::ForwardingHeader& req,
                    wire::ErrorCode code, std::string_view text);
  void answer_raw(Millis now, const NodeId& prev_hop, const wire::ForwardingHeader& req,
                  wire::MessageCode code, Bytes body, bool cache,
                  std::vector<wire::GenericCertificate> certs = {});
  std::optional<LinkId> route_link(const wire::Destination& first) const;
  void send_bytes(Millis now, const wire::Destination& first, Bytes bytes,
                  bool unsigned_local = false);
  Bytes build(const wire::ForwardingHeader& h, wire::MessageCode code, Bytes body,
              std::vector<wire::GenericCertificate> certs = {},
              const RequestSigner& signer = {}, bool unsigned_local = false);
  // in-process messages (peer_in_process.cpp)
  bool loops_back(const wire::Destination& first) const;
  bool is_own(const wire::Destination& d) const {
    return d.is_node() && *d.node_id() == config_.node_id;
  }
  void secure(wire::Message& m, std::vector<wire::GenericCertificate> certs,
              const RequestSigner& signer, bool unsigned_local);
  Bytes seal(ByteView unsigned_bytes);
  std::uint64_t originate(Millis now, std::vector<wire::Destination> dests,
                          wire::MessageCode code, Bytes body, TxPurpose purpose,
                          RequestCallback cb = {},
                          std::vector<wire::GenericCertificate> certs = {},
                          const RequestSigner& signer = {});
  // A ring member: routes, is responsible for its range (joined or leaving, not a client).
  bool in_ring() const {
    return !config_.client && (state_ == PeerState::kJoined || state_ == PeerState::kLeaving);
  }
  void on_answer(Millis now, const wire::Message& m, const NodeId& sender);
  void on_request(Millis now, const NodeId& prev_hop, const wire::Message& m,
                  const NodeId& sender);

  // topology (peer_topology.cpp; Attach in peer_attach.cpp)
  void handle_attach(Millis now, const NodeId& prev, const wire::Message& m, const NodeId& from);
  void handle_join(Millis now, const NodeId& prev, const wire::Message& m, const NodeId& from);
  void handle_leave(Millis now, const NodeId& prev, const wire::Message& m, const NodeId& from);
  void handle_update(Millis now, const NodeId& prev, const wire::Message& m, const NodeId& from);
  void handle_route_query(Millis now, const NodeId& prev, const wire::Message& m,
                          const NodeId& from);
  void handle_probe(Millis now, const NodeId& prev, const wire::Message& m);
  void on_attach_answer(Millis now, const Transaction& tx, const wire::Message& m,
                        const NodeId& from);
  void on_topology_answer(Millis now, const Transaction& tx, const wire::Message* m,
                          const NodeId& from);
  std::uint64_t send_attach(Millis now, std::vector<wire::Destination> dests,
                            TxPurposeInfo info, bool send_update);
  void send_update(Millis now, const NodeId& to, wire::ChordUpdateType type);
  void consider_candidates(Millis now, const std::optional<NodeId>& via,
                           const std::vector<NodeId>& ids);
  bool add_routable(Millis now, const NodeId& id);
  bool attach_pending(const NodeId& id, unsigned finger) const;
  bool attach_in_progress(Millis now, const NodeId& prev, const wire::Message& m,
                          const NodeId& from);
  void connect_to_requester(const NodeId& from, const wire::AttachReqAns& req);
  void expire_awaited(Millis now);
  void attached_link_up(Millis now, const NodeId& peer, const std::optional<TxPurposeInfo>& why);
  Millis jitter(Millis base);
  void remove_peer(Millis now, const NodeId& id, bool failed);
  void neighbors_changed(Millis now);
  void update_connections(Millis now);
  void maybe_send_join(Millis now);
  void become_joined(Millis now);
  void maybe_become_joined(Millis now);
  // stabilization (peer_stabilize.cpp, §10.7.4)
  void stabilize(Millis now);
  void initial_fingers(Millis now);
  void finger_ping(Millis now);
  void on_finger_ping_answer(Millis now, const Transaction& tx, const NodeId& from);
  void finger_failed(Millis now);
  void partition_check(Millis now);
  void partition_link_up(Millis now, const NodeId& peer);
  void partition_link_failed(const OpenLink& open);
  void send_partition_ping(Millis now, const NodeId& via);
  void on_partition_ping_answer(Millis now, const Transaction& tx, const NodeId& from);
  void prune_links(Millis now);
  void finish_leave(Millis now);
  void send_leaves(Millis now);
  void client_link_up(Millis now, LinkId link, const NodeId& peer, bool outbound);
  bool held_down(Millis now, const NodeId& id) const;
  // configuration sequence and ConfigUpdate (peer_config_update.cpp)
  bool sequence_refused(Millis now, const NodeId& prev, const wire::Message& m,
                        const NodeId& sender);
  void handle_config_update(Millis now, const NodeId& prev, const wire::Message& m,
                            const NodeId& from);
  void send_config_update(Millis now, const NodeId& prev, const wire::ForwardingHeader& req,
                          const NodeId& to);
  void push(Action a) { actions_.push_back(std::move(a)); }
  void close_link(LinkId link);

  PeerConfig config_;
  MessageSigner& signer_;
  StorageHandler* storage_;
  StorageServices storage_services_{*this};
  wire::DecodeParams params_;
  chord::RoutingTable table_;
  TransactionTable txs_;
  AnswerCache answers_;
  // §6.7: fragments addressed to us, per previous hop (bounded per source and in all).
  wire::Reassembler reassembler_{
      wire::ReassemblyLimits{.max_message_size = config_.max_message_size}};
  SplitMix64 rng_;  // timer jitter, from PeerConfig::seed (transaction ids: transactions.h)
  std::uint64_t ping_response_id_;
  PeerState state_ = PeerState::kIdle;
  JoinPhase phase_ = JoinPhase::kNone;
  Millis started_{0};
  Millis join_deadline_{0};
  Millis next_stabilize_{0};
  Millis next_finger_{0};          // next finger Ping (chord-ping-interval)
  std::optional<Millis> last_finger_ping_;
  Millis next_partition_check_{0};
  // §10.7.4.4: the bootstrap address the current check is connecting to (round robin over
  // PeerConfig::bootstrap), until when, and the Node-IDs the addresses turned out to have.
  std::optional<std::size_t> partition_opening_;
  Millis partition_open_until_{0};
  std::size_t partition_next_bootstrap_ = 0;
  std::map<std::size_t, NodeId> bootstrap_ids_;
  std::optional<NodeId> admitting_;
  std::map<NodeId, Connection> conns_;
  std::unordered_map<LinkId, NodeId> links_;   // every live link, including duplicates
  std::map<NodeId, TxPurposeInfo> connecting_;  // OpenLink issued, waiting for the result
  std::map<NodeId, AwaitedLink> awaited_;      // Attach answered, waiting for their link
  std::map<NodeId, unsigned> finger_wait_;     // finger found, routable after its Update
  std::vector<NodeId> join_waiting_;           // neighbour Attaches before our Join
  // Peers whose Update reached us during this join attempt: the admitting peer's Update can
  // overtake its AttachAns (the Update comes over a direct link, the answer along the Attach's
  // reverse path), and must not be waited for again.
  std::vector<NodeId> updated_while_joining_;
  bool join_update_seen_ = false;              // the AP's Update after its JoinAns (§10.5 step 7)
  std::vector<NodeId> full_update_on_link_;    // Attach with send_update, link not up yet
  std::map<NodeId, Millis> holddown_;          // failed or left peers
  std::size_t leave_pending_ = 0;
  bool handover_pending_ = false;              // leave() waits for the storage handover
  std::shared_ptr<bool> handover_done_;        // set by the handler's done callback
  Millis handover_deadline_{0};
  std::deque<LocalMessage> loopback_;          // messages this node routes to itself
  struct AwaitingSignature {                   // a VerifySignature not answered yet
    NodeId prev_hop;
    wire::Message message;
  };
  std::map<std::uint64_t, AwaitingSignature> verifying_;
  std::uint64_t last_verification_ = 0;
  std::vector<Action> actions_;
  PeerCounters counters_;
  std::uint16_t config_sequence_ = 0;          // §6.3.2.1; 0: no document, nothing checked
  Bytes config_document_;                      // what a ConfigUpdate carries
  ConfigurationHandler* config_handler_ = nullptr;
  std::map<NodeId, Millis> config_update_sent_;  // last ConfigUpdate per node (bounded)
  PerSenderLimit config_updates_received_{kConfigUpdatesPerSender, kConfigUpdateWindow,
                                          kMaxConfigUpdateSenders};  // ConfigUpdates we judge
};

}  // namespace p2psip::peer
