#pragma once
// Node: one real RELOAD overlay peer on a libuv loop. It owns a LinkManager (TLS-TCP-FH-NO-ICE
// links), a NodeSigner (message signatures with the node's certificate) and a PeerCore (the
// sans-IO protocol engine), and drives the core as peer_core.h asks: link events become core
// inputs, the core's actions become link operations, and one uv_timer follows
// next_deadline(). The Node-ID is the (first) Node-ID of the node's certificate.
//
// Storage: unless config.peer.client, the Node owns a storage::ReplicatedStore (the kinds in
// config.kinds) as the core's StorageHandler; stored-data signatures are checked with the
// certificates each Store carries (CertificateVerifier::from_block against the credentials'
// roots) or, when a signer's certificate is not carried, with the certificates the node knows
// (storage::KnownCertificates: its own, those seen, those it stores under the RFC 6940 §8
// certificate kinds). snapshot().storage reports it. A client (config.peer.client) only
// connects to a bootstrap peer and sends requests (register/lookup tools).
//
// Everything runs on the loop thread; callbacks given here run there too. Destroying the Node
// closes every link at once (no Leave): call leave() first for a clean exit. As with any
// libuv owner, run the loop a little after destruction so the close callbacks free memory.

#include <uv.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "common/uv_handle.h"
#include "overlay/link/link_manager.h"
#include "overlay/peer/node_signer.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/verify_worker.h"
#include "overlay/security/bad_nodes.h"
#include "overlay/storage/cert_cache.h"
#include "overlay/storage/replicated_store.h"

namespace p2psip::peer {

struct NodeCredentials {
  security::Certificate cert;
  security::PrivateKey key;
  std::vector<security::RootCertificate> roots;
};

struct NodeConfig {
  std::string overlay;                       // overlay name (certificates must name it)
  std::string listen_ip = "127.0.0.1";       // an IP literal
  std::uint16_t listen_port = 0;             // 0: any free port
  // The address announced in Attach; empty: listen_ip (0.0.0.0/:: become loopback).
  std::string advertise_ip;
  std::vector<wire::IpAddressPort> bootstrap;  // empty: start a new overlay
  link::LinkConfig link;                     // link.overlay is set from `overlay`
  PeerConfig peer;                           // node_id, overlay, listen, bootstrap filled in
  // Kinds this peer stores (unless peer.client); stored-data signatures are checked with the
  // certificates each Store carries, chained to the credentials' roots.
  std::vector<storage::KindDef> kinds = storage::default_kinds();
  storage::ReplicatedStoreConfig storage{};
  // Received messages' signatures are verified on a second thread (verify_worker.h), the
  // loop going on meanwhile; false: on the loop, inline (peer.deferred_verification unused).
  bool verify_on_worker = true;
};

// A plain copy of everything /status and the metrics need.
struct NodeSnapshot {
  PeerStatus status;
  PeerCounters peer;
  link::LinkCounters link;
  std::uint16_t listen_port = 0;
  std::size_t links = 0;
  storage::StorageStats storage;     // empty in client mode
  std::uint16_t configuration_sequence = 0;  // RFC 6940 §6.3.2.1; 0: no document
  std::array<std::uint64_t, security::BadNodes::kKinds> bad_node_refusals{};  // link, message, data
};

// IP literal + port <-> the wire's IpAddressPort.
std::optional<wire::IpAddressPort> make_address(std::string_view ip, std::uint16_t port);
std::string address_ip(const wire::IpAddressPort& a);

class Node final : private link::LinkObserver {
 public:
  using Logger = std::function<void(int level, const std::string& line)>;  // 0 debug .. 3 error
  static constexpr int kDebug = 0, kInfo = 1, kWarn = 2, kError = 3;

  // Checks the credentials (a certificate with a Node-ID of `overlay`) and builds the links.
  static Expected<std::unique_ptr<Node>, std::string> create(uv_loop_t* loop, NodeConfig config,
                                                             NodeCredentials credentials,
                                                             const Clock& clock, Logger log = {});
  ~Node() override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Listens and starts the core: a new overlay without bootstrap peers, else a join.
  Expected<void, std::string> start();
  // Clean Leave (§10.9); `done` runs once the core has left or `max_wait` passed (true when
  // the Leave completed). Safe to call in any state; `done` always runs, from the loop.
  void leave(Millis max_wait, std::function<void(bool clean)> done);
  // Originates a request; `cb` runs exactly once on the loop thread. 0 before start().
  // `certificates` go into the security block next to the signer's (e.g. certificates that
  // verify a StoreReq's stored-data signatures). `signer`, when set, signs the message in
  // place of the node's certificate (§6.3.4; a StoreReq's registrant, §7.3); the answer still
  // comes back to this node.
  std::uint64_t send_request(const wire::Destination& dest, wire::MessageCode code, Bytes body,
                             RequestCallback cb,
                             std::vector<wire::GenericCertificate> certificates = {},
                             RequestSigner signer = {});

  // The configuration document the node runs with (RFC 6940 §11.1): its sequence and bytes go
  // to the core (PeerCore::set_configuration), its bad-node entries refuse links (at once, and
  // live links to a newly listed node are closed from the loop), message signers and stored
  // data. Any time, also before start(). The handler (must outlive the Node) reads the
  // ConfigUpdates the core receives.
  void set_configuration(std::uint16_t sequence, Bytes document,
                         std::vector<security::NodeId> bad_nodes);
  void set_configuration_handler(ConfigurationHandler* handler);
  // A kind of the configuration (or of a kind update) for the store (KindRegistry::update).
  bool update_kind(const storage::KindDef& def) { return kinds_.update(def); }
  const storage::KindRegistry& kinds() const { return kinds_; }
  // The current bad-node entries (replaced by set_configuration), for verifiers of lookups.
  security::BadNodes& bad_nodes() { return bad_nodes_; }

  // Switches to a renewed certificate and key (security::check_renewal against the running
  // certificate and the node's roots, at the wall clock): links opened or accepted from now on
  // present it, messages are signed with it. Links already up keep their TLS sessions.
  // `credentials.roots` are not used: the overlay's roots stay. An error changes nothing.
  Expected<void, std::string> renew_credentials(NodeCredentials credentials);

  // Called (on the loop) after any input that changed the state or the neighbour set.
  void on_change(std::function<void()> cb) { on_change_ = std::move(cb); }
  // Before start(): with verify_on_worker, `hook` runs on the worker thread after the
  // signature of an answer to one of our send_requests verified, before the loop gets it
  // (VerifyWorker::AfterVerified: only for pre-computations safe on that thread). Ignored
  // without verify_on_worker or after start().
  void set_after_verified(VerifyWorker::AfterVerified hook) { after_verified_ = std::move(hook); }

  const NodeId& node_id() const { return node_id_; }
  PeerState state() const { return core_ ? core_->state() : PeerState::kIdle; }
  NodeSnapshot snapshot() const;
  // Is some link of this node up (certificate verified) with a peer at this IP address (the
  // remote address of the TCP connection, port ignored)? False for a text that is no IP.
  bool linked_to(std::string_view ip) const;
  // The IP addresses linked_to() answers true for, once each.
  std::vector<std::string> linked_ips() const;
  // The certificates this node can verify signatures with (known_certificates.h).
  const std::shared_ptr<storage::KnownCertificates>& known_certificates() const { return known_; }

 private:
  storage::StorageStats storage_stats() const;  // store_->stats(), reused when costly
  Node(uv_loop_t* loop, NodeConfig config, NodeCredentials credentials, const Clock& clock,
       Logger log);
  void init_links(security::SslCtxPtr ctx);
  void make_store();

  // link::LinkObserver
  void on_link_up(link::LinkId link, const link::PeerInfo& peer) override;
  void on_message(link::LinkId link, ByteView message) override;
  void on_link_down(link::LinkId link, link::LinkError reason, std::string_view detail) override;
  void on_link_idle(link::LinkId link) override;

  Millis now() const { return clock_.monotonic(); }
  void after_input();  // drains the actions, re-arms the timer, reports changes
  void drain();
  void perform(const Action& a);
  void open_link(const OpenLink& open);
  void rearm();
  void on_timer();
  void finish_leave(bool clean);
  void drop_bad_node_data();
  bool refuse_bad_link(link::LinkId link, const link::PeerInfo& peer);
  void close_bad_links();
  void link_gone(std::uint64_t link);
  void log(int level, const std::string& line) const {
    if (log_) log_(level, line);
  }

  uv_loop_t* loop_;
  NodeConfig config_;
  const Clock& clock_;
  Logger log_;
  NodeId node_id_;
  std::vector<security::RootCertificate> roots_;  // for stored-data certificate chains
  storage::VerifiedCertificateCache verified_certs_;  // chains checked recently (Store, Fetch)
  // Certificates signatures may name without carrying (§6.3.4, §8): ours, those seen, those
  // stored here under the certificate kinds; shared by the signer and the store.
  std::shared_ptr<storage::KnownCertificates> known_;
  NodeSigner signer_;
  storage::KindRegistry kinds_;
  std::unique_ptr<storage::ReplicatedStore> store_;  // before core_: it must outlive it
  // snapshot()'s storage figures (storage_stats()): a walk over everything stored, ~0.4 s of
  // the loop at a million values (bench/storage/storage_memory), so one that took d is reused
  // for 100 d (the walks then take at most 1% of the loop); under 10 ms it is walked each time.
  mutable storage::StorageStats storage_stats_;
  mutable std::chrono::steady_clock::time_point storage_stats_at_{};
  mutable std::chrono::steady_clock::duration storage_walk_{};
  std::unique_ptr<link::LinkManager> links_;
  std::unique_ptr<PeerCore> core_;
  // Signature checks off the loop (from start(); declared after core_: it goes first).
  std::unique_ptr<VerifyWorker> verifier_;
  VerifyWorker::AfterVerified after_verified_;  // given to verifier_ at start()
  std::unordered_map<std::uint64_t, OpenLink> opening_;  // outgoing links not yet up
  std::unique_ptr<uv::Timer> timer_;        // from start(): PeerCore::next_deadline()
  std::unique_ptr<uv::Timer> leave_timer_;  // while leave() waits
  std::function<void(bool)> leave_done_;
  std::function<void()> on_change_;
  bool draining_ = false;
  PeerState last_state_ = PeerState::kIdle;
  std::vector<NodeId> last_neighbors_;
  std::uint16_t listen_port_ = 0;
  security::BadNodes bad_nodes_;            // §11.1 bad-node entries (NodeSigner, store use it)
  std::uint16_t config_sequence_ = 0;
  Bytes config_document_;
  ConfigurationHandler* config_handler_ = nullptr;
  std::unique_ptr<uv::Timer> bad_link_timer_;  // closes links to newly listed nodes
};

}  // namespace p2psip::peer
