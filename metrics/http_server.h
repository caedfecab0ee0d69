#pragma once
// The metrics port: GET /metrics (Prometheus text format), /livez, /readyz, /health (health.h)
// and /status.
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
#include "metrics/health.h"

namespace p2psip::metrics {

class Metrics;

inline constexpr std::size_t kMaxHttpConnections = 32;
inline constexpr std::chrono::milliseconds kHttpHeadTimeout{2000};
inline constexpr std::chrono::milliseconds kHttpWriteTimeout{5000};

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
