#pragma once
// Vocabulary of the sans-IO RELOAD peer (see peer_core.h for the API contract): the actions a
// driver performs, configuration, status and counters, and the two injected interfaces
// (message signatures; storage requests, whose interface storage owns).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "overlay/chord/routing_table.h"
#include "overlay/storage/signing.h"
#include "overlay/storage/storage_handler.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"
#include "overlay/wire/message_codes.h"
#include "overlay/wire/request_result.h"

namespace p2psip::peer {

using wire::NodeId;
// A link handle chosen by the driver (unique among its live links; never reused while live).
using LinkId = std::uint64_t;

// ---- actions the driver performs (PeerCore::take_actions) ----
struct SendOnLink {   // write one whole RELOAD message on the link (framing is the link's job)
  LinkId link = 0;
  Bytes bytes;
};
struct OpenLink {     // connect (TLS-TCP-FH-NO-ICE) to addr; then on_link_up or on_link_failed
  wire::IpAddressPort addr;
  std::optional<NodeId> expected;  // the peer must present this Node-ID (unset for bootstraps)
};
struct CloseLink {    // close the link; the driver still reports on_link_down for it (ignored)
  LinkId link = 0;
};
// The signer's Node-ID when a received message's signature holds, else nullopt.
using SignatureCheck = std::function<std::optional<wire::NodeId>()>;
// Only with PeerConfig::deferred_verification: run `*check` (on any thread: it touches nothing
// the core or the signer owns) and report its result with PeerCore::on_verified(id, ...).
// (Held by pointer: a std::function in the variant trips GCC 12's -Wmaybe-uninitialized.)
// An answer to a request this node originated with send_request (TxPurpose::kApp) and the
// final destination that request was sent to (a FetchAns does not name its Resource-ID; the
// §7.1 signature input of its values does). A copy the driver's thread may keep.
struct AnswerToRequest {
  wire::Destination target;
  wire::Message message;
};
struct VerifySignature {
  std::uint64_t id = 0;
  std::shared_ptr<const SignatureCheck> check;
  // Only with PeerConfig::share_answers and for an AnswerToRequest, else null: for the driver's
  // hook that runs after the check succeeded (VerifyWorker::AfterVerified).
  std::shared_ptr<const AnswerToRequest> answer;
};
using Action = std::variant<SendOnLink, OpenLink, CloseLink, VerifySignature>;

struct PeerConfig {
  NodeId node_id;
  std::uint32_t overlay = 0;            // wire::overlay_hash(overlay name)
  wire::IpAddressPort listen;           // our Attach candidate (the link listener)
  std::vector<wire::IpAddressPort> bootstrap;  // empty: start a new overlay
  std::size_t neighbors = chord::kDefaultNeighbors;  // per side, >= 3 (§10.7)
  Millis reliability_timer{3000};       // overlay-reliability-timer (§6.2.1)
  int max_transmissions = 5;            // 1 + 4 retransmissions; 5 x 3 s = the 15 s lifetime
  Millis request_lifetime{15000};       // duplicate answers are replayed this long (§6.2.1)
  Millis update_interval{400000};       // chord-update-interval (§10.7.4.1)
  // chord-ping-interval (§10.7.4.2): at most one Ping looking for a finger per interval.
  Millis chord_ping_interval{3600000};
  // §10.7.4.4: how often a joined peer Pings its own Node-ID through a bootstrap node to detect
  // a partition. The RFC says "periodically" and leaves the period open; ten minutes is its
  // chord-update-interval default. Peers without bootstrap addresses (the overlay's first
  // peer) have nothing to check through.
  Millis partition_check_interval{600000};
  Millis join_timeout{60000};           // restart the join if not done by then
  Millis failed_peer_holddown{60000};   // do not re-Attach a failed/left peer this long
  std::size_t max_message_size = wire::kDefaultMaxMessageSize;
  std::uint64_t wall_clock_offset_ms = 0;  // now + offset = Unix ms (PingAns.time, storage)
  std::uint64_t seed = 1;               // timer jitter (inject real entropy)
  // Transaction ids (transactions.h). Empty: the OS's cryptographic source
  // (crypto_transaction_id), what every real node uses; the simulator injects
  // seeded_transaction_ids so its runs replay exactly.
  std::function<std::uint64_t()> transaction_ids;
  Millis leave_handover_timeout{5000};  // leave(): longest wait for the storage handover
  // Client mode (RFC 6940 §3.2): connect to a bootstrap peer, never Join/Update/store, route
  // every request over that link. State kJoined means "the link to the overlay is up".
  bool client = false;
  // The driver verifies the signatures of delivered messages itself, off its event loop:
  // deliver() emits VerifySignature and goes on in on_verified(). false: verified inline.
  bool deferred_verification = false;
  // With deferred_verification: VerifySignature also carries a copy of each answer to a
  // send_request of ours (VerifySignature::answer), for the driver's after-verification hook.
  bool share_answers = false;
};

// kJoined: a ring member (or, in client mode, connected to a bootstrap peer).
enum class PeerState : std::uint8_t { kIdle, kJoining, kJoined, kLeaving, kLeft };
const char* to_string(PeerState s);

struct PeerStatus {
  NodeId node_id;
  PeerState state = PeerState::kIdle;
  std::vector<NodeId> predecessors;  // closest first
  std::vector<NodeId> successors;    // closest first
  std::size_t finger_count = 0;
  std::vector<NodeId> fingers;         // distinct, closest first
  std::size_t routing_table_size = 0;  // routable peers
  std::size_t connections = 0;         // links with a known Node-ID
  std::size_t pending_transactions = 0;
};

// Messages by code and direction, plus error events. Plain numbers for Prometheus.
struct PeerCounters {
  static constexpr std::size_t kCodeSlots = 0x28;  // codes 0..0x26; slot 0x27 = error answer
  static std::size_t slot(std::uint16_t code) {
    return code == 0xffff ? 0x27 : (code < 0x27 ? code : 0);  // 0 = invalid/unassigned
  }
  std::array<std::uint64_t, kCodeSlots> received{};   // delivered to this node
  std::array<std::uint64_t, kCodeSlots> sent{};       // originated or answered by this node
  std::uint64_t forwarded = 0;
  std::uint64_t dropped_malformed = 0;   // not even a forwarding header: dropped
  std::uint64_t invalid_answered = 0;    // answered with an error for a bad message
  std::uint64_t ttl_exceeded = 0;
  std::uint64_t loops = 0;
  std::uint64_t unroutable = 0;          // no next hop / answer path gone
  std::uint64_t bad_signature = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t transaction_timeouts = 0;
  std::uint64_t duplicate_requests = 0;
  std::uint64_t link_errors = 0;         // links lost or failed that we did not close
  std::uint64_t unmatched_answers = 0;   // no pending transaction has the answer's id
  // A pending transaction's id, from a node that may not answer it (§6.3.4: not the Node-ID
  // the request was for, or not plausibly responsible for its Resource-ID): dropped, the
  // transaction goes on.
  std::uint64_t refused_answers = 0;
  // RFC 6940 §6.3.2.1: requests refused for their configuration_sequence, ConfigUpdates sent
  // (§6.5.4) and received documents that were refused.
  std::uint64_t config_too_old = 0;
  std::uint64_t config_too_new = 0;
  std::uint64_t config_updates_sent = 0;
  std::uint64_t config_updates_refused = 0;
  std::uint64_t config_updates_limited = 0;  // over the per-sender limit (also in _refused)
  // Messages this node sent to itself and delivered without signing or verifying them: they
  // never left the process (peer_in_process.cpp).
  std::uint64_t in_process = 0;
  // Delivered messages dropped because kMaxPendingVerifications were already waiting for
  // their VerifySignature (deferred_verification; the sender's retransmission recovers).
  std::uint64_t verify_queue_full = 0;
};

// The outcome of a request this node originated (one type with usage::OverlayAnswer).
using RequestResult = wire::RequestResult;
using RequestCallback = std::function<void(const RequestResult&)>;

// Signatures over messages (§6.3.4), injected: the real node signs with its certificate key
// (overlay/security), the simulator uses SimSigner (simulation only, no security).
class MessageSigner {
 public:
  virtual ~MessageSigner() = default;
  // Sign the §6.3.4 signature input (overlay || transaction_id || contents || signer identity);
  // `identity` is what this signer will put in the block (the input already covers it).
  virtual wire::SignerIdentity identity() const = 0;
  virtual wire::SecurityBlock sign(ByteView signature_input) = 0;
  // The certificates sign() puts in its block, without signing anything: what a message that
  // never leaves this node carries in their place (peer_in_process.cpp).
  virtual std::vector<wire::GenericCertificate> certificates() const { return {}; }
  // Verify a received message; the signer's Node-ID, or nullopt when it does not verify.
  virtual std::optional<NodeId> verify(const wire::Message& m) = 0;
  // The same verification split in two: what needs the signer's state (finding the
  // certificate) happens now; the returned check does the rest and must be safe to run on
  // another thread, owning all it uses. The default verifies now.
  virtual SignatureCheck verification(const wire::Message& m) {
    return [r = verify(m)] { return r; };
  }
};

// The overlay configuration document (RFC 6940 §11.1) behind the core's configuration
// sequence, injected by a driver that has one (the real node; none in the simulator): the core
// cannot read XML. Called synchronously from inside the core's inputs.
class ConfigurationHandler {
 public:
  virtual ~ConfigurationHandler() = default;
  struct Verdict {
    std::optional<wire::ErrorCode> refused;  // nullopt: accepted, the core now runs `sequence`
    std::uint16_t sequence = 0;
    std::string why;                         // error_info when refused
  };
  // A ConfigUpdateReq of type config from `from` (§6.5.4.2: processed only if its sequence is
  // greater than ours and it is correctly signed).
  virtual Verdict offered(Millis now, ByteView config_data, const NodeId& from) = 0;
  // A ConfigUpdateReq of type kind (§6.5.4.2: processed only if correctly signed by a
  // kind-signer of the current document; a conflict with a known kind is Error_Forbidden).
  // Accepted: `sequence` is unused (the document's sequence does not change).
  virtual Verdict kinds_offered(Millis now, const std::vector<Bytes>& kinds, const NodeId& from) {
    (void)now, (void)kinds, (void)from;
    return {wire::ErrorCode::kForbidden, 0, "kind updates are not supported"};
  }
  // A verified message from `from` carried a sequence newer than ours: fetch the document
  // again (rate-limiting is the handler's).
  virtual void newer_seen(Millis now, std::uint16_t sequence, const NodeId& from) = 0;
};

// The storage seam is storage's own (overlay/storage/storage_handler.h); the peer calls a
// StorageHandler and offers it storage::OverlayServices (PeerCore implements them).
using storage::RequestSigner;
using storage::StorageAnswer;
using storage::StorageHandler;
using storage::StorageRequest;

}  // namespace p2psip::peer
