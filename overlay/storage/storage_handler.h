#pragma once
// The seam between the storage module and the peer that hosts it. Storage owns both sides, so
// it includes nothing of overlay/peer (DESIGN.md §2: overlay/peer -> storage, never back):
//   StorageHandler   what the peer calls: the storage methods (Store/Fetch/Stat/Find, RFC 6940
//                    §7.4) delivered to this node, ring changes, a timer, a leave hook.
//   OverlayServices  what a handler may use of the peer it is attached to: originate a request,
//                    read the routing table, our Node-ID, wall-clock time, our place in the ring.
// PeerCore (overlay/peer/peer_core.h) implements OverlayServices and drives a StorageHandler;
// ReplicatedStore (replicated_store.h) is the handler of the real node and the simulator.
// Every hook runs synchronously inside a PeerCore input call; from any of them the handler may
// use the OverlayServices it was attached to.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "overlay/chord/routing_table.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::storage {

// Where this node stands in the ring, as far as storage is concerned.
enum class RingRole : std::uint8_t {
  kOutside,  // no ring member: joining, gone, or a client (RFC 6940 §3.2)
  kMember,   // joined: responsible for its range, replicates (§10.4)
  kLeaving,  // leaving (§10.9): hands its data to its successors before its Leave goes out
};

class OverlayServices {
 public:
  virtual ~OverlayServices() = default;
  // Originates a request to a Node-ID or a Resource-ID. `done(answered)` runs exactly once,
  // from inside a later input call of the peer: true for a success answer, false for an error
  // answer or a timeout. `certificates` go into the request's security block next to the
  // node's own (not covered by the §6.3.4 message signature).
  virtual void send_request(Millis now, const wire::Destination& to, wire::MessageCode code,
                            Bytes body, std::function<void(bool answered)> done,
                            std::vector<wire::GenericCertificate> certificates) = 0;
  virtual const chord::RoutingTable& routing_table() const = 0;
  virtual const wire::NodeId& node_id() const = 0;
  virtual RingRole ring_role() const = 0;
  // Unix ms at the monotonic time `now`, and the monotonic time of a Unix ms (0 before the
  // monotonic clock's start): stored values live in wall time, timers in monotonic time.
  virtual std::uint64_t wall_ms(Millis now) const = 0;
  virtual Millis monotonic_at(std::uint64_t wall_ms) const = 0;
};

// A storage-method request (Store/Fetch/Stat/Find) delivered to this node.
struct StorageRequest {
  const wire::Message& message;  // decoded, signature verified
  wire::NodeId sender;
  bool responsible = false;      // this node is the responsible peer for the destination
};
struct StorageAnswer {
  wire::MessageCode code = wire::MessageCode::kError;  // the answer code or kError
  Bytes body;                                           // body (ErrorResponse for kError)
  // Appended to the answer's security block (e.g. the certificates of fetched values'
  // signers); not covered by the §6.3.4 message signature.
  std::vector<wire::GenericCertificate> certificates;
};

// Hooks for the storage module; a peer works without one.
class StorageHandler {
 public:
  virtual ~StorageHandler() = default;
  // Called once by the peer's constructor with what this handler may use of that peer; valid
  // while the peer lives (the handler outlives the peer, see peer_core.h's ownership rules).
  virtual void attach(OverlayServices& overlay) { (void)overlay; }
  virtual StorageAnswer on_request(Millis now, const StorageRequest& request) = 0;
  // The neighbour table changed (responsibility and replica sets may have moved).
  virtual void on_ring_changed(Millis now, const chord::RoutingTable& table) = 0;
  // The handler's own timer, folded into the peer's next deadline and timer.
  virtual std::optional<Millis> next_deadline() const { return std::nullopt; }
  virtual void on_timer(Millis now) { (void)now; }
  // The peer's leave() calls this first and sends its Leave messages once `done` has run (it
  // may run synchronously) or its handover timeout has passed.
  virtual void on_leave(Millis now, std::function<void()> done) {
    (void)now;
    done();
  }
  // Resources stored here (ProbeAns num-resources, §6.4.2.5.2).
  virtual std::size_t resource_count() const { return 0; }
};

}  // namespace p2psip::storage
