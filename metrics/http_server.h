#pragma once
// The metrics port: GET /metrics (Prometheus text format), /health and /status.
// civetweb serves on its own threads; everything it reads here is atomic or behind the
// StatusBoard's mutex, which the event loop thread publishes into.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/expected.h"

class CivetServer;

namespace p2psip::metrics {

class Metrics;

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
  struct Handlers;
  HttpServer() = default;
  std::unique_ptr<Handlers> handlers_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace p2psip::metrics
