#pragma once
// A bound on received ConfigUpdate requests per sender (RFC 6940 §6.5.4 sets none). Each one
// costs signature checks (the document's, every kind-signature's) and possibly a file write:
// an enrolled node must not be able to burn our CPU with them. At most `per_window` from one
// sender in each `window`; at most `max_senders` senders tracked (when full and none of their
// windows has ended, a new sender is refused: all of them together stay bounded). Pure.

#include <cstddef>
#include <map>

#include "overlay/peer/peer_types.h"

namespace p2psip::peer {

// PeerCore's limit: a correct overlay sends a node one ConfigUpdate per document change; a few
// more a minute leave room for a config and a kind update.
inline constexpr std::size_t kConfigUpdatesPerSender = 4;
inline constexpr Millis kConfigUpdateWindow{60000};
inline constexpr std::size_t kMaxConfigUpdateSenders = 256;

class PerSenderLimit {
 public:
  PerSenderLimit(std::size_t per_window, Millis window, std::size_t max_senders)
      : per_window_(per_window), window_(window), max_senders_(max_senders) {}
  // True (and counted) when `sender` may have one more now.
  bool allow(Millis now, const NodeId& sender);
  std::size_t tracked() const { return senders_.size(); }

 private:
  struct Window {
    Millis start{0};
    std::size_t count = 0;
  };
  std::size_t per_window_;
  Millis window_;
  std::size_t max_senders_;
  std::map<NodeId, Window> senders_;
};

}  // namespace p2psip::peer
