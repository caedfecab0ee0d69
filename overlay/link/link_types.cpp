#include "overlay/link/link_types.h"

namespace p2psip::link {

std::string_view to_string(LinkError e) {
  switch (e) {
    case LinkError::kConnectFailed: return "connect_failed";
    case LinkError::kHandshakeFailed: return "handshake_failed";
    case LinkError::kHandshakeTimeout: return "handshake_timeout";
    case LinkError::kBadCertificate: return "bad_certificate";
    case LinkError::kNodeIdMismatch: return "node_id_mismatch";
    case LinkError::kMalformedFrame: return "malformed_frame";
    case LinkError::kAckTimeout: return "ack_timeout";
    case LinkError::kIdleTimeout: return "idle_timeout";
    case LinkError::kClosedByPeer: return "closed_by_peer";
    case LinkError::kIoError: return "io_error";
    case LinkError::kTooManyLinks: return "too_many_links";
    case LinkError::kHandshakesPerSource: return "handshakes_per_source";
    case LinkError::kHandshakeEvicted: return "handshake_evicted";
    case LinkError::kFrameTimeout: return "frame_timeout";
  }
  return "unknown";
}

std::string_view to_string(SendError e) {
  switch (e) {
    case SendError::kUnknownLink: return "unknown_link";
    case SendError::kNotUp: return "not_up";
    case SendError::kTooLarge: return "too_large";
    case SendError::kQueueFull: return "queue_full";
  }
  return "unknown";
}

}  // namespace p2psip::link
