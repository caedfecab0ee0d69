#pragma once
// Vocabulary of the overlay link layer (TLS-TCP-FH-NO-ICE, RFC 6940 §6.6.5): link ids, the
// reasons a link goes down, the configuration, the observer a driver implements and the
// error counters it exports as p2psip_overlay_link_errors_total{reason}.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/forwarding_header.h"
#include "overlay/wire/ids.h"

namespace p2psip::link {

using Micros = std::chrono::microseconds;
using Millis = std::chrono::milliseconds;

// A link handle: a small value, never reused within one LinkManager.
struct LinkId {
  std::uint64_t value = 0;
  friend auto operator<=>(const LinkId&, const LinkId&) = default;
  friend bool operator==(const LinkId&, const LinkId&) = default;
};

struct LinkIdHash {
  std::size_t operator()(LinkId id) const noexcept { return std::hash<std::uint64_t>{}(id.value); }
};

// Why a link failed (or never came up). Every value is also a metric label (to_string).
enum class LinkError : std::uint8_t {
  kConnectFailed,     // TCP connect refused / unreachable
  kHandshakeFailed,   // TLS handshake error (alert, protocol error, peer refused us)
  kHandshakeTimeout,  // no completed handshake within the bound
  kBadCertificate,    // chain did not verify against the overlay root, or not a RELOAD cert
  kNodeIdMismatch,    // outgoing connect: certificate lacks the expected Node-ID
  kMalformedFrame,    // bad frame type, over-long message, undecodable framing
  kAckTimeout,        // a data frame stayed unacknowledged past the bound
  kIdleTimeout,       // nothing received past the keepalive bound
  kClosedByPeer,      // TCP EOF or TLS close_notify
  kIoError,           // read/write error, TLS record error after the handshake
  kTooManyLinks,      // incoming connection refused: verified link limit reached
  kHandshakesPerSource,  // incoming connection refused: its source has its handshakes
  kHandshakeEvicted,     // an unverified handshake closed to admit a newer connection
  kFrameTimeout,         // a started data frame was not completed within the bound
};
inline constexpr std::size_t kLinkErrorCount = 14;

std::string_view to_string(LinkError e);

// Why send() refused a message; the link itself stays as it is.
enum class SendError : std::uint8_t { kUnknownLink, kNotUp, kTooLarge, kQueueFull };
std::string_view to_string(SendError e);

struct LinkConfig {
  std::string overlay;  // certificates must name this overlay
  std::size_t max_message_size = wire::kDefaultMaxMessageSize;
  std::size_t max_queue_bytes = 256 * 1024;  // per link: unsent + unwritten bytes
  std::size_t max_links = 1024;  // verified links, both directions
  // Incoming connections whose TLS handshake has not completed (see admission.h): a budget
  // of their own, a share per source address, and a deadline counted from accept.
  std::size_t max_handshakes = 64;
  std::size_t max_handshakes_per_source = 8;
  Millis handshake_timeout{5'000};
  // A data frame whose first bytes arrived must be complete within this time (a verified
  // peer trickling a frame would otherwise hold its buffer and slot while keeping the
  // link alive). Frames are at most max_message_size long.
  Millis frame_timeout{10'000};
  // A data frame unacknowledged this long fails the link. RFC 6940 §6.6.5 uses the RTO to
  // mark a link suspect (LinkInfo::suspect) and recommends 30 s before calling it failed.
  Millis ack_timeout{30'000};
  // When nothing was sent for keepalive_interval an AckFrame repeating the last ack is sent
  // (harmless to any peer: acks of unknown sequence numbers are ignored). A link from which
  // nothing arrived for idle_timeout has failed. Zero disables either.
  Millis keepalive_interval{10'000};
  Millis idle_timeout{35'000};
  Millis tick_interval{100};  // granularity of all the timeouts above
  Millis initial_rto{500};    // before the first RTT sample (RFC 6940 §6.6.3.1 default)
  Millis min_rto{200};        // RFC 6298 clamps (RELOAD rounds to the millisecond)
  Millis max_rto{60'000};
  Millis close_linger{2'000};  // a closing link flushes at most this long
  // NSS key log for Wireshark/tshark (DESIGN.md §7, security/keylog.h). Empty: the TLS
  // context's, i.e. $SSLKEYLOGFILE as it was when make_tls_context() made it.
  std::string keylog_file;
};

struct PeerInfo {
  std::vector<wire::NodeId> node_ids;  // from the verified certificate
  std::string user;                    // its rfc822Name
  wire::IpAddressPort remote;
  bool outgoing = false;
};

// What a driver sees of one link (for /status and the routing table).
struct LinkInfo {
  PeerInfo peer;
  bool up = false;
  bool suspect = false;  // some data frame unacknowledged for longer than the RTO
  Micros srtt{0};
  Micros rttvar{0};
  Micros rto{0};
  std::uint64_t rtt_samples = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t acks_received = 0;
  std::size_t unacked = 0;
};

// Every callback runs on the loop thread. A callback may call send/close/connect on the
// manager, but must not destroy the manager.
class LinkObserver {
 public:
  virtual ~LinkObserver() = default;
  // The handshake completed and the peer certificate passed every check.
  virtual void on_link_up(LinkId link, const PeerInfo& peer) = 0;
  // One RELOAD message (the payload of one data frame).
  virtual void on_message(LinkId link, ByteView message) = 0;
  // The link is gone. Called for every outgoing link (also when it never came up) and for
  // every incoming link that came up; never after close() or for the manager's destruction.
  // `detail` is a human-readable explanation for the log.
  virtual void on_link_down(LinkId link, LinkError reason, std::string_view detail) = 0;
};

// p2psip_overlay_link_errors_total{reason} plus a few gauges' worth of totals.
struct LinkCounters {
  std::array<std::uint64_t, kLinkErrorCount> errors{};
  std::uint64_t links_up = 0;  // handshakes that passed every check
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t send_refused = 0;  // send() errors other than kUnknownLink

  void count(LinkError e) { ++errors[static_cast<std::size_t>(e)]; }
  std::uint64_t errors_for(LinkError e) const { return errors[static_cast<std::size_t>(e)]; }
  // f(std::string_view reason, std::uint64_t value) for every reason.
  template <class F>
  void for_each_error(F&& f) const {
    for (std::size_t i = 0; i < kLinkErrorCount; ++i) {
      f(to_string(static_cast<LinkError>(i)), errors[i]);
    }
  }
};

}  // namespace p2psip::link
