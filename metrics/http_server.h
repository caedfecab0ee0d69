#pragma once
// The metrics port: GET /metrics (Prometheus text format), /health and /status.
// One thread of our own serves it with poll() over non-blocking sockets, so no number of idle
// or slow clients can keep a probe waiting (issue 13, finding 5: civetweb's 4 worker threads
// and 10 s request timeout let 4 idle connections stall /health for 10 s). Bounds: at most
// kMaxHttpConnections open (a new connection closes the oldest one), the request head must
// arrive within kHttpHeadTimeout of accepting and be at most kMaxRequestHead bytes, an answer
// must be taken within kHttpWriteTimeout. Everything read here is atomic or behind the
// StatusBoard's mutex, which the event loop thread publishes into.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/expected.h"

namespace p2psip::metrics {

class Metrics;

inline constexpr std::size_t kMaxHttpConnections = 32;
inline constexpr std::chrono::milliseconds kHttpHeadTimeout{2000};
inline constexpr std::chrono::milliseconds kHttpWriteTimeout{5000};

// What /health reports. 200 only when every required part is up.
struct HealthState {
  std::atomic<bool> sip_required{true};  // false for `p2psip peer` (no SIP side)
  std::atomic<bool> sip_listening{false};
  std::atomic<bool> overlay_required{false};  // set once the node has an overlay part
  std::atomic<bool> overlay_joined{false};
  bool healthy() const {
    return (!sip_required.load() || sip_listening.load()) &&
           (!overlay_required.load() || overlay_joined.load());
  }
};

// The JSON document /status serves; the loop thread replaces it whenever its state changes.
class StatusBoard {
 public:
  void publish(std::string json);
  std::string snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::string json_ = "{}";
};

class HttpServer {
 public:
  // listen: "127.0.0.1:9464" or "[::1]:9464". Fails with a readable reason (port in use...).
  static Expected<std::unique_ptr<HttpServer>, std::string> start(const std::string& host,
                                                                  unsigned port, Metrics& metrics,
                                                                  const HealthState& health,
                                                                  const StatusBoard& status);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

 private:
  struct Loop;
  HttpServer() = default;
  int wake_write_ = -1;  // written to once to stop the thread
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace p2psip::metrics
