#pragma once
// A deterministic simulated network with a virtual clock (an event queue) that drives N
// PeerCores with real wire encoding: every message crosses a simulated link as bytes. Links
// are reliable, ordered (like TLS over TCP) unless `loss` drops messages; latency is uniform in
// [min_latency, max_latency]; partitions cut links between groups. Seeded: the same seed gives
// the same run. No TLS, no sockets, no threads. Signatures use SimSigner (simulation only).
//
// Typical use:
//   SimNetwork net({.seed = 7});
//   auto a = net.add_peer(id_a);             // first peer: a new overlay
//   auto b = net.add_peer(id_b, {a});        // bootstraps through a
//   net.start(a); net.start(b);
//   net.run_until([&] { return net.joined(b); }, Millis{60000});
//   net.ring_errors() == 0

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "common/splitmix64.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/sim_signer.h"
#include "overlay/storage/replicated_store.h"

namespace p2psip::sim {

using peer::NodeId;
using PeerIndex = std::uint32_t;

struct SimConfig {
  std::uint64_t seed = 1;
  Millis min_latency{5};
  Millis max_latency{40};
  double loss = 0.0;                 // per message, on top of reliable links
  Millis connect_timeout{1000};      // OpenLink to a dead or cut-off peer fails after this
  Millis failure_detection{500};     // a killed peer's links go down this late at the far end
  // Applied to every peer: protocol timers scaled for simulation runs.
  peer::PeerConfig peer_defaults{};
  // Every (non-client) peer stores and replicates through a ReplicatedStore that checks
  // stored-data signatures with SimDataVerifier (sign with storage::SimDataSigner).
  bool storage = true;
  std::vector<storage::KindDef> kinds{storage::sip_registration_kind()};
  storage::ReplicatedStoreConfig storage_config{};
};

class SimNetwork {
 public:
  explicit SimNetwork(SimConfig config);
  ~SimNetwork();

  // Adds a peer listening at a simulated address; `bootstrap` peers are its bootstrap nodes.
  // `client`: a RELOAD client (PeerConfig::client) without storage.
  PeerIndex add_peer(const NodeId& id, const std::vector<PeerIndex>& bootstrap = {},
                     bool client = false);
  void start(PeerIndex i);
  void leave(PeerIndex i);     // clean Leave; the peer is gone once it reaches kLeft
  void kill(PeerIndex i);      // crash: its links go down at the far ends
  // A gone peer (left or killed) starts again as a new process would: same Node-ID and
  // address, fresh state (empty store), joining through `bootstrap`.
  void restart(PeerIndex i, const std::vector<PeerIndex>& bootstrap);
  void partition(std::function<int(PeerIndex)> group);  // nullptr heals
  // Messages from `from` to `to` take `extra` longer (still ordered): one slow path.
  void slow_path(PeerIndex from, PeerIndex to, Millis extra) { slow_[{from, to}] = extra; }
  // Issue a request from peer i (runs the callback on completion).
  void request(PeerIndex i, const wire::Destination& dest, wire::MessageCode code, Bytes body,
               peer::RequestCallback cb);

  void run_for(Millis d);
  // Runs until done() or the virtual time limit; true when done() held.
  bool run_until(const std::function<bool()>& done, Millis limit);

  Millis now() const { return now_; }
  std::size_t size() const { return peers_.size(); }
  peer::PeerCore& core(PeerIndex i);
  // The peer's store; nullptr for clients and with SimConfig::storage off.
  storage::ReplicatedStore* storage(PeerIndex i);
  const storage::KindRegistry& kinds() const { return kinds_; }
  bool alive(PeerIndex i) const;
  bool joined(PeerIndex i) const;
  wire::IpAddressPort address(PeerIndex i) const;
  std::uint64_t events() const { return events_; }
  std::uint64_t messages() const { return messages_; }
  std::uint64_t bytes() const { return bytes_; }  // RELOAD message bytes sent on links

  // Ring oracle over live joined peers: sorted ids, responsible peer, wrong neighbour entries.
  std::vector<NodeId> ring() const;
  NodeId responsible(const NodeId& k) const;
  // Number of live joined peers whose predecessor/successor lists (up to `depth` entries each)
  // differ from the true ring. 0 means the ring is correct.
  std::size_t ring_errors(std::size_t depth = 3) const;

 private:
  struct Peer;
  struct Link {
    PeerIndex a = 0, b = 0;
    Millis last_ab{0}, last_ba{0};
    bool open = true;
  };
  enum class Kind : std::uint8_t { kDeliver, kLinkUp, kLinkDown, kLinkFailed, kTimer };
  struct Event {
    Millis at;
    std::uint64_t seq;
    Kind kind;
    PeerIndex peer;
    peer::LinkId link;
    bool outbound;
    std::shared_ptr<const Bytes> bytes;
    std::shared_ptr<const peer::OpenLink> open;
    std::uint32_t incarnation = 0;  // of the peer it is for: a restart drops older events
  };
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.at != y.at ? x.at > y.at : x.seq > y.seq;
    }
  };

  void push(Event e);
  void dispatch(const Event& e);
  void drain(PeerIndex i);
  void do_send(PeerIndex from, const peer::SendOnLink& s);
  void do_open(PeerIndex from, const peer::OpenLink& o);
  void do_close(PeerIndex from, peer::LinkId link, Millis detect);
  Millis latency();
  bool connected_groups(PeerIndex a, PeerIndex b) const;

  SimConfig config_;
  storage::KindRegistry kinds_;
  Millis now_{0};
  std::uint64_t seq_ = 0;
  SplitMix64 rng_;  // latencies, losses, the peers' seeds
  std::uint64_t events_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t bytes_ = 0;
  peer::LinkId next_link_ = 1;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::unordered_map<peer::LinkId, Link> links_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::function<int(PeerIndex)> group_;
  std::map<std::pair<PeerIndex, PeerIndex>, Millis> slow_;
};

}  // namespace p2psip::sim
