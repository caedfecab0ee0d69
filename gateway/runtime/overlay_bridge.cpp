#include "gateway/runtime/overlay_bridge.h"

#include <arpa/inet.h>

#include <algorithm>

namespace p2psip::runtime {

std::string normal_ip(std::string_view ip) {
  std::string text(ip);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET, bytes, out, sizeof out) ? out : "";
  }
  if (!text.empty() && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET6, bytes, out, sizeof out) ? out : "";
  }
  return "";
}

namespace {

overlay::Failure not_running() {
  return overlay::Failure{overlay::Failure::Kind::kTimeout, 0, "Timeout",
                          "Timeout (the overlay node is not running)"};
}

}  // namespace

OverlayBridge::OverlayBridge(uv_loop_t* main_loop)
    : inbox_(LoopInbox::create(main_loop)), timer_(main_loop) {
  timer_.start(0, static_cast<std::uint64_t>(kRefresh.count()), [this] { refresh(); });
  timer_.unref();  // the loop may end while only this runs
}

OverlayBridge::~OverlayBridge() { inbox_->close(); }

void OverlayBridge::attach(overlay::Node* node) {
  node_ = node;
  refresh();
}

bool OverlayBridge::linked_to(std::string_view ip) const {
  std::string wanted = normal_ip(ip);
  if (wanted.empty()) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  return std::find(linked_.begin(), linked_.end(), wanted) != linked_.end();
}

void OverlayBridge::refresh() {
  std::vector<std::string> linked;
  if (node_) {
    for (const auto& ip : node_->linked_ips()) linked.push_back(normal_ip(ip));
  }
  joined_ = node_ != nullptr && node_->state() == overlay::State::kJoined;
  std::lock_guard<std::mutex> lock(mutex_);
  linked_.swap(linked);
}

void OverlayBridge::lookup(const std::string& aor, std::shared_ptr<LoopInbox> reply_to,
                           overlay::LookupDone done) {
  overlay::LookupDone answer = [reply_to, done](Expected<overlay::Resolution, overlay::Failure> r) {
    reply_to->post([done, r = std::move(r)] { done(r); });
  };
  bool posted = inbox_->post([this, aor, answer] {
    if (!node_) return answer(unexpected(not_running()));
    node_->lookup(aor, answer);
  });
  if (!posted) answer(unexpected(not_running()));
}

}  // namespace p2psip::runtime
