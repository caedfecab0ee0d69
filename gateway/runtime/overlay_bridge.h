#pragma once
// The overlay node as a SIP worker thread sees it (sip_workers.h). The node and its loop stay
// on the main thread: a worker's lookup is posted to the main loop's inbox, runs there, and
// its answer is posted back to the worker's inbox. Whether the node has joined and which peers
// it is linked to (the proxy's trusted overlay senders, asked for every request) are read from
// a copy the main thread refreshes every kRefresh: a peer linked less than that ago is not yet
// trusted by the workers beyond the first (it is by worker 0, which asks the node itself).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "gateway/runtime/loop_inbox.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

// Pure: the IP literal in one spelling (inet_ntop's), so that "::FFFF:..." or "0::1" compare
// equal to what the node reports; empty for a text that is no IP literal.
std::string normal_ip(std::string_view ip);

class OverlayBridge {
 public:
  static constexpr Millis kRefresh{200};
  explicit OverlayBridge(uv_loop_t* main_loop);  // the main thread
  ~OverlayBridge();  // the main thread, once no worker runs
  OverlayBridge(const OverlayBridge&) = delete;
  OverlayBridge& operator=(const OverlayBridge&) = delete;

  // The main thread. nullptr: lookups answer "not running" from now on.
  void attach(overlay::Node* node);

  // Any thread.
  bool joined() const { return joined_.load(); }
  bool linked_to(std::string_view ip) const;
  // A worker thread: `done` runs on `reply_to`'s loop, or never once that inbox closed.
  void lookup(const std::string& aor, std::shared_ptr<LoopInbox> reply_to, overlay::LookupDone done);

 private:
  void refresh();  // the main thread: the node's state and links into the copy

  std::shared_ptr<LoopInbox> inbox_;
  uv::Timer timer_;
  overlay::Node* node_ = nullptr;  // the main thread only
  std::atomic<bool> joined_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> linked_;  // normal_ip() spellings
};

}  // namespace p2psip::runtime
