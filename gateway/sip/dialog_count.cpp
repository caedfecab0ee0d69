#include "gateway/sip/dialog_count.h"

namespace p2psip::sip {

int dialog_delta(std::string_view method, bool initial, int status, bool record_routed) {
  if (!record_routed || status < 200) return 0;
  if (method == "INVITE" && initial && status < 300) return 1;
  // Any final answer ends the BYE's dialog (RFC 3261 §15.1.2: a UAC ends the session whatever
  // the response, 481 and 408 included).
  if (method == "BYE") return -1;
  return 0;
}

void CallAges::changed(std::string_view call_id, int delta, Millis now) {
  if (delta > 0) {
    auto it = calls_.find(call_id);
    if (it == calls_.end()) {
      // Stale calls go on every kPruneEvery-th new call, or when the table is full.
      if (++started_ % kPruneEvery == 0 || calls_.size() >= max_calls_) prune(now);
      if (calls_.size() >= max_calls_) {
        ++not_counted_;
        return;
      }
      it = calls_.emplace(std::string(call_id), Call{}).first;
    }
    ++it->second.dialogs;
    it->second.last_seen = now;
    ++dialogs_;
    return;
  }
  if (delta == 0) return;
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;  // not counted, or already taken as gone
  --dialogs_;
  if (--it->second.dialogs == 0) calls_.erase(it);
}

void CallAges::seen(std::string_view call_id, Millis now) {
  if (auto it = calls_.find(call_id); it != calls_.end()) it->second.last_seen = now;
}

std::size_t CallAges::live(Millis now) {
  prune(now);
  return dialogs_;
}

void CallAges::prune(Millis now) {
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (now - it->second.last_seen > max_idle_) {
      dialogs_ -= it->second.dialogs;
      it = calls_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace p2psip::sip
