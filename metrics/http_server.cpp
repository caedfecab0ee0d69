#include "metrics/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "metrics/http_request.h"
#include "metrics/metrics.h"

namespace p2psip::metrics {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A file descriptor, closed when it goes away.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Connection {
  Fd fd;
  std::string in;        // the request head so far
  std::string out;       // the answer, once the head is complete
  std::size_t sent = 0;  // bytes of out already written
  SteadyClock::time_point deadline;
  bool writing = false;
};

HttpResponse health_response(const HealthState& h) {
  bool ok = h.healthy();
  HttpResponse r;
  r.status = ok ? 200 : 503;
  r.reason = ok ? "OK" : "Service Unavailable";
  r.content_type = "application/json";
  r.body = std::string("{\"status\":\"") + (ok ? "ok" : "unavailable") +
           "\",\"sip_listening\":" + (h.sip_listening ? "true" : "false") +
           ",\"overlay_joined\":" + (h.overlay_joined ? "true" : "false") + "}\n";
  return r;
}

// /livez and /readyz: 200 or 503 with the reason as one line of text.
HttpResponse probe_response(const std::optional<std::string>& problem, const char* ok_text) {
  HttpResponse r;
  r.status = problem ? 503 : 200;
  r.reason = problem ? "Service Unavailable" : "OK";
  r.content_type = "text/plain; charset=utf-8";
  r.body = (problem ? *problem : std::string(ok_text)) + "\n";
  return r;
}

std::string errno_text(int e) { return std::strerror(e); }

// A listening, non-blocking socket on host:port (an IP literal: never a name lookup).
Expected<Fd, std::string> listen_on(const std::string& host, unsigned port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return unexpected(std::string(::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(res, ::freeaddrinfo);
  Fd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return unexpected(errno_text(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (res->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd.get(), 128) != 0) {
    return unexpected(errno_text(errno));
  }
  return fd;
}

}  // namespace

void StatusBoard::publish(std::string json) {
  std::lock_guard lock(mutex_);
  json_ = std::move(json);
}

std::string StatusBoard::snapshot() const {
  std::lock_guard lock(mutex_);
  return json_;
}

// The server thread's state: the listening socket, the wake-up pipe and the open connections,
// oldest first.
struct HttpServer::Loop {
  Fd listen;
  Fd wake;
  Metrics& metrics;
  const HealthState& health;
  const StatusBoard& status;
  std::vector<Connection> connections;

  void run();
  int poll_timeout(SteadyClock::time_point now) const;
  void accept_all(SteadyClock::time_point now);
  void make_room();
  bool read(Connection& c, SteadyClock::time_point now);  // false: close it
  bool write(Connection& c);                               // false: close it
  HttpResponse answer(const HttpRequest& request) const;
};

void HttpServer::Loop::run() {
  std::vector<pollfd> fds;
  while (true) {
    fds.clear();
    fds.push_back({wake.get(), POLLIN, 0});
    fds.push_back({listen.get(), POLLIN, 0});
    for (const Connection& c : connections) {
      fds.push_back({c.fd.get(), static_cast<short>(c.writing ? POLLOUT : POLLIN), 0});
    }
    if (::poll(fds.data(), fds.size(), poll_timeout(SteadyClock::now())) < 0 && errno != EINTR) {
      return;  // cannot happen with valid descriptors
    }
    if (fds[0].revents != 0) return;  // stop
    auto now = SteadyClock::now();
    std::vector<Connection> kept;
    kept.reserve(connections.size() + 1);
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      bool keep = true;
      if (fds[i + 2].revents != 0) keep = c.writing ? write(c) : read(c, now);
      if (keep && now >= c.deadline) {  // too slow: closed
        metrics.http.closed(c.writing ? HttpClose::kWriteTimeout : HttpClose::kHeadTimeout);
        keep = false;
      }
      if (keep) kept.push_back(std::move(c));
    }
    connections = std::move(kept);
    if (fds[1].revents != 0) accept_all(now);
    metrics.http.open_connections(connections.size());
  }
}

int HttpServer::Loop::poll_timeout(SteadyClock::time_point now) const {
  if (connections.empty()) return -1;
  auto first = std::min_element(connections.begin(), connections.end(),
                                [](const Connection& a, const Connection& b) { return a.deadline < b.deadline; });
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(first->deadline - now).count();
  return static_cast<int>(std::clamp<decltype(wait)>(wait, 0, 60'000));
}

void HttpServer::Loop::accept_all(SteadyClock::time_point now) {
  // One round takes at most as many as the table holds, so reading is never starved.
  for (std::size_t i = 0; i < kMaxHttpConnections; ++i) {
    int fd = ::accept4(listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      if (e == EMFILE || e == ENFILE) make_room();  // the next round can accept again
      if (e == EINTR || e == ECONNABORTED) continue;
      return;
    }
    if (connections.size() >= kMaxHttpConnections) make_room();
    Connection c;
    c.fd = Fd(fd);
    c.deadline = now + kHttpHeadTimeout;
    connections.push_back(std::move(c));
  }
}

// Closes one connection (eviction_victim): whoever opens a connection now is served, an idle
// one is not kept.
void HttpServer::Loop::make_room() {
  if (connections.empty()) return;
  std::vector<bool> answering;
  answering.reserve(connections.size());
  for (const Connection& c : connections) answering.push_back(c.writing);
  connections.erase(connections.begin() +
                    static_cast<std::ptrdiff_t>(eviction_victim(answering)));
  metrics.http.closed(HttpClose::kEvicted);
}

bool HttpServer::Loop::read(Connection& c, SteadyClock::time_point now) {
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;  // closed before the head was complete
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.in.append(buf, static_cast<std::size_t>(n));
    auto end = head_end(c.in);
    if (!end && c.in.size() < kMaxRequestHead) continue;
    bool head_only = false;
    HttpResponse response;
    if (!end || *end > kMaxRequestHead) {
      response = error_response(431);
    } else if (auto request = parse_request(std::string_view(c.in).substr(0, *end))) {
      head_only = request->method == "HEAD";
      response = answer(*request);
    } else {
      response = request.error();
    }
    c.out = serialize(response, head_only);
    c.in.clear();
    c.writing = true;
    c.deadline = now + kHttpWriteTimeout;
    return write(c);
  }
}

bool HttpServer::Loop::write(Connection& c) {
  while (c.sent < c.out.size()) {
    ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.sent += static_cast<std::size_t>(n);
  }
  ::shutdown(c.fd.get(), SHUT_WR);  // all sent: the answer ends here (Connection: close)
  return false;
}

HttpResponse HttpServer::Loop::answer(const HttpRequest& request) const {
  if (request.path == "/health") return health_response(health);
  if (request.path == "/livez" || request.path == "/readyz") {
    HealthFacts f = facts_of(health, HealthState::now_ms());
    return request.path == "/livez" ? probe_response(not_live(f), "live")
                                    : probe_response(not_ready(f), "ready");
  }
  HttpResponse r;
  r.status = 200;
  r.reason = "OK";
  if (request.path == "/metrics") {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.serialize();
    return r;
  }
  if (request.path == "/status") {
    r.content_type = "application/json";
    r.body = status.snapshot() + "\n";
    return r;
  }
  return error_response(404);
}

HttpServer::~HttpServer() {
  if (thread_.joinable()) {
    char byte = 0;
    if (::write(wake_write_, &byte, 1) < 0) {
      // A pipe with room for one byte cannot fail here; the join below would hang otherwise.
    }
    thread_.join();
  }
  if (wake_write_ >= 0) ::close(wake_write_);
}

Expected<std::unique_ptr<HttpServer>, std::string> HttpServer::start(
    const std::string& host, unsigned port, Metrics& metrics, const HealthState& health,
    const StatusBoard& status) {
  bool v6 = host.find(':') != std::string::npos;
  std::string listen = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  auto fd = listen_on(host, port);
  if (!fd) return unexpected("cannot serve metrics on " + listen + ": " + fd.error());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return unexpected("cannot serve metrics on " + listen + ": " + errno_text(errno));
  }
  std::unique_ptr<HttpServer> self(new HttpServer());
  self->wake_write_ = pipe_fds[1];
  self->loop_.reset(new Loop{std::move(*fd), Fd(pipe_fds[0]), metrics, health, status, {}});
  self->thread_ = std::thread([loop = self->loop_.get()] { loop->run(); });
  return self;
}

}  // namespace p2psip::metrics
