#include "metrics/http_server.h"

#include <CivetServer.h>

#include <vector>

#include "metrics/metrics.h"

namespace p2psip::metrics {

namespace {

void send(mg_connection* conn, int status, const char* reason, const char* content_type,
          const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            status, reason, content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

class MetricsHandler final : public CivetHandler {
 public:
  explicit MetricsHandler(Metrics& m) : metrics_(m) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    send(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", metrics_.serialize());
    return true;
  }

 private:
  Metrics& metrics_;
};

class HealthHandler final : public CivetHandler {
 public:
  explicit HealthHandler(const HealthState& h) : health_(h) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    std::string body = std::string("{\"status\":\"") + (health_.healthy() ? "ok" : "unavailable") +
                       "\",\"sip_listening\":" + (health_.sip_listening ? "true" : "false") +
                       ",\"overlay_joined\":" + (health_.overlay_joined ? "true" : "false") + "}\n";
    if (health_.healthy()) {
      send(conn, 200, "OK", "application/json", body);
    } else {
      send(conn, 503, "Service Unavailable", "application/json", body);
    }
    return true;
  }

 private:
  const HealthState& health_;
};

class StatusHandler final : public CivetHandler {
 public:
  explicit StatusHandler(const StatusBoard& s) : status_(s) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    send(conn, 200, "OK", "application/json", status_.snapshot() + "\n");
    return true;
  }

 private:
  const StatusBoard& status_;
};

}  // namespace

void StatusBoard::publish(std::string json) {
  std::lock_guard lock(mutex_);
  json_ = std::move(json);
}

std::string StatusBoard::snapshot() const {
  std::lock_guard lock(mutex_);
  return json_;
}

struct HttpServer::Handlers {
  MetricsHandler metrics;
  HealthHandler health;
  StatusHandler status;
};

HttpServer::~HttpServer() {
  if (server_) server_->close();  // joins civetweb's threads before the handlers go away
}

Expected<std::unique_ptr<HttpServer>, std::string> HttpServer::start(
    const std::string& host, unsigned port, Metrics& metrics, const HealthState& health,
    const StatusBoard& status) {
  bool v6 = host.find(':') != std::string::npos;
  std::string listen = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  std::vector<std::string> options = {"listening_ports", listen,  "num_threads", "4",
                                      "request_timeout_ms", "10000", "enable_keep_alive", "no"};
  std::unique_ptr<HttpServer> self(new HttpServer());
  self->handlers_.reset(new Handlers{MetricsHandler(metrics), HealthHandler(health),
                                     StatusHandler(status)});
  try {
    self->server_ = std::make_unique<CivetServer>(options);
  } catch (const CivetException& e) {
    return unexpected("cannot serve metrics on " + listen + ": " + e.what());
  }
  self->server_->addHandler("/metrics$", self->handlers_->metrics);
  self->server_->addHandler("/health$", self->handlers_->health);
  self->server_->addHandler("/status$", self->handlers_->status);
  return self;
}

}  // namespace p2psip::metrics
