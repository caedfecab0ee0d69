#include "overlay/peer/config_update_limit.h"

namespace p2psip::peer {

bool PerSenderLimit::allow(Millis now, const NodeId& sender) {
  auto it = senders_.find(sender);
  if (it == senders_.end()) {
    if (senders_.size() >= max_senders_) {
      std::erase_if(senders_, [&](const auto& e) { return now - e.second.start >= window_; });
      if (senders_.size() >= max_senders_) return false;
    }
    it = senders_.emplace(sender, Window{now, 0}).first;
  } else if (now - it->second.start >= window_) {
    it->second = Window{now, 0};
  }
  if (it->second.count >= per_window_) return false;
  ++it->second.count;
  return true;
}

}  // namespace p2psip::peer
