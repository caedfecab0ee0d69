#pragma once
// Calls passing through the gateway, counted for the SIGTERM drain (gateway/runtime/drain.h).
// With Record-Route a dialog's later requests come through the gateway (RFC 3261 §16.6 step 4,
// §12.2): a 2xx to an initial INVITE adds a call, a final response to a BYE ends one.
//
// A call whose BYE never passes us (a UA gone, a BYE sent around us) must not hold a drain for
// its whole grace: CallAges keeps, per Call-ID, when a request of that call last passed us (the
// 2xx, then every in-dialog request: re-INVITE, UPDATE, INFO, a session-timer refresh of RFC
// 4028) and counts only calls seen within `max_idle`. A call quiet for longer is taken as
// gone (drain_call_max_idle, default 2 h: RFC 4028's recommended Session-Expires is 1800 s, so
// a refreshed call is seen every 15 min or so; a call without refreshes that is quiet for 2 h
// may end its drain early, the operator's choice). Bounded: at most `max_calls` Call-IDs (an
// outsider cannot make us hold more; beyond, new calls are not counted). Pure.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace p2psip::sip {

// The change a final response makes: +1, -1 or 0. `initial`: the request had no To-tag;
// `record_routed`: the gateway stays in the dialog's path.
int dialog_delta(std::string_view method, bool initial, int status, bool record_routed);

class CallAges {
 public:
  static constexpr Millis kDefaultMaxIdle{2LL * 3600 * 1000};
  static constexpr std::size_t kDefaultMaxCalls = 262'144;

  explicit CallAges(Millis max_idle = kDefaultMaxIdle, std::size_t max_calls = kDefaultMaxCalls)
      : max_idle_(max_idle), max_calls_(max_calls) {}

  // A final response changed the count (dialog_delta): +1 starts a call (a forked INVITE's
  // second 2xx counts a second dialog of the same Call-ID), -1 ends one of that Call-ID
  // (nothing when none is counted).
  void changed(std::string_view call_id, int delta, Millis now);
  // An in-dialog request of a counted call passed us: it is alive.
  void seen(std::string_view call_id, Millis now);
  // Calls seen within max_idle (older ones are dropped here).
  std::size_t live(Millis now);
  std::size_t not_counted() const { return not_counted_; }  // refused: the table was full
  std::size_t tracked() const { return calls_.size(); }  // Call-IDs held (stale ones included)

 private:
  struct Call {
    std::size_t dialogs = 0;
    Millis last_seen{0};
  };
  void prune(Millis now);

  Millis max_idle_;
  std::size_t max_calls_;
  std::map<std::string, Call, std::less<>> calls_;
  std::size_t dialogs_ = 0;
  std::size_t not_counted_ = 0;
  std::size_t started_ = 0;  // new Call-IDs counted so far
  static constexpr std::size_t kPruneEvery = 1024;
};

}  // namespace p2psip::sip
