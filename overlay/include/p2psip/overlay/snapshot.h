#pragma once
// What a node reports about itself (Node::snapshot()): plain values for metrics, /health and
// /status. Standard library only.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace p2psip::overlay {

// kJoined: a ring member (for a client session: connected to its bootstrap peer).
enum class State : std::uint8_t { kIdle, kJoining, kJoined, kLeaving, kLeft };
const char* to_string(State s);  // "idle", "joining", "joined", "leaving", "left"

// The SIP-REGISTRATION Kind-ID (RFC 7904 §3.2), as it appears in StorageStats.
inline constexpr std::uint32_t kSipRegistrationKind = 1;
// The Certificate Store Usage's Kind-IDs (RFC 6940 §8, §14.6).
inline constexpr std::uint32_t kCertificateByNodeKind = 3;
inline constexpr std::uint32_t kCertificateByUserKind = 0x10;

struct MessageCount {
  std::string name;  // the RFC 6940 message code name ("probe_req", ...), or "unknown"
  std::uint64_t received = 0;  // delivered to this node
  std::uint64_t sent = 0;      // originated or answered by this node
};

struct StorageStats {
  std::map<std::uint32_t, std::size_t> resources_by_kind;  // Kind-ID -> stored resources
  std::size_t values = 0;
  std::size_t responsible_resources = 0;  // this node is the responsible peer
  std::size_t replica_resources = 0;      // held as a replica
  std::uint64_t oldest_storage_time = 0;  // Unix ms of the oldest stored value; 0: none
  std::map<std::string, std::uint64_t> store_results;  // "ok" or a snake_case error name
  std::map<std::string, std::uint64_t> fetch_results;
};

struct Snapshot {
  State state = State::kIdle;
  std::string node_id;                    // hex
  std::uint16_t listen_port = 0;          // 0 before start()
  std::vector<std::string> predecessors;  // Node-IDs (hex), closest first
  std::vector<std::string> successors;    // Node-IDs (hex), closest first
  std::size_t finger_count = 0;
  std::vector<std::string> fingers;       // Node-IDs (hex), distinct, closest first
  std::size_t routing_table_size = 0;     // routable peers
  std::size_t connections = 0;            // links with a known Node-ID
  std::size_t links = 0;                  // open links
  std::size_t pending_transactions = 0;

  // Messages by code: every named code that saw traffic, then "unknown" (unassigned codes,
  // summed) when it saw any.
  std::vector<MessageCount> messages;
  std::uint64_t forwarded = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t bad_signature = 0;
  std::uint64_t transaction_timeouts = 0;
  // Answers dropped unused (RFC 6940 §6.3.4): no request of ours has their transaction id
  // (a late duplicate, or a guessed id), or one has but the sender may not answer it.
  std::uint64_t answers_unmatched = 0;
  std::uint64_t answers_wrong_sender = 0;
  // Messages this node sent to itself, delivered without signing or verifying them (they
  // never left the process).
  std::uint64_t in_process_messages = 0;
  // Received messages dropped unverified because 256 signature checks were already waiting
  // for the verify worker (NodeConfig::verify_on_worker): as if lost on the way, the
  // sender's retransmission (RFC 6940 §6.2.1) recovers them.
  std::uint64_t verify_queue_full = 0;
  // Links: failures by reason (every reason, zeros included), and totals.
  std::vector<std::pair<std::string, std::uint64_t>> link_errors;
  std::uint64_t links_up = 0;
  std::uint64_t link_messages_sent = 0;
  std::uint64_t link_messages_received = 0;

  StorageStats storage;                   // empty for a client session
  std::size_t registrations = 0;          // kept alive by this node (Node::keep)
  std::size_t registrations_stored = 0;   // of those, stored at the moment
  // The first 100 kept AoRs (ascending) and whether each is stored at the moment.
  std::vector<std::pair<std::string, bool>> registration_aors;
  std::size_t pending_lookups = 0;        // Node::lookup calls not answered yet

  // The configuration document in use (RFC 6940 §11.1; 0: none) and what its bad-node
  // entries refused: links, message signers, stored-data certificates.
  std::uint16_t configuration_sequence = 0;
  std::uint64_t bad_node_links = 0, bad_node_messages = 0, bad_node_data = 0;
  std::uint64_t config_too_old = 0, config_too_new = 0;  // requests answered Error_Config_Too_*
};

}  // namespace p2psip::overlay
