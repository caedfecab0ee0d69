#pragma once
// A small HTTPS server for the enrollment endpoints: one thread (the caller's) runs poll() over
// non-blocking sockets, so no client can block another. Bounds (DESIGN.md §10): at most
// max_connections open (a newcomer evicts the oldest connection), the TLS handshake and the
// whole request within request_timeout of accepting, a request head of kMaxHttpHead bytes and a
// body of max_body bytes, the answer taken within write_timeout. Every answer closes the
// connection.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "overlay/enroll/http_message.h"
#include "overlay/security/handles.h"

namespace p2psip::enroll {

struct HttpsLimits {
  std::size_t max_connections = 64;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::size_t max_body = 32 * 1024;  // a CSR is ~1 KB
};

// The answer (a complete HTTP response) to a request from `peer_ip`.
using HttpsHandler = std::function<std::string(const HttpRequest&, const std::string& peer_ip)>;

class HttpsServer {
 public:
  // host: an IP address; port 0 picks a free one.
  static Expected<std::unique_ptr<HttpsServer>, std::string> listen(const std::string& host,
                                                                    unsigned port,
                                                                    security::SslCtxPtr ctx,
                                                                    HttpsLimits limits);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  unsigned port() const { return port_; }
  // Serves until `stop` is true (checked at least every 200 ms). `evicted` is called for each
  // connection closed to make room; `tick` (if set) on every turn, at least every 200 ms.
  void run(const HttpsHandler& handler, const std::atomic<bool>& stop, const std::function<void()>& evicted,
           const std::function<void()>& tick = {});

  struct Conn;  // one client (https_server.cpp)

 private:
  HttpsServer() = default;
  int fd_ = -1;
  unsigned port_ = 0;
  security::SslCtxPtr ctx_;
  HttpsLimits limits_;
};

}  // namespace p2psip::enroll
