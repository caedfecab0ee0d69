#include "overlay/enroll/https_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

namespace p2psip::enroll {

namespace sec = p2psip::security;
using Clock = std::chrono::steady_clock;

struct HttpsServer::Conn {
  int fd = -1;
  sec::CHandle<SSL, SSL_free> ssl;
  std::string peer;
  Clock::time_point deadline;
  enum class State { handshake, reading, writing, done } state = State::handshake;
  short events = POLLIN;
  std::string in, out;
  std::size_t sent = 0;
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

// What an SSL call that did not complete wants next; 0 when the connection is dead.
short wanted(SSL* ssl, int rc) {
  switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ: return POLLIN;
    case SSL_ERROR_WANT_WRITE: return POLLOUT;
    default: ERR_clear_error(); return 0;
  }
}

std::string peer_ip(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

Expected<int, std::string> bind_listen(const std::string& host, unsigned port, unsigned& bound) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *v6;
  } else {
    return unexpected("'" + host + "' is not an IP address");
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0) return unexpected(std::string("socket: ") + std::strerror(errno));
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " + err);
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  return fd;
}

}  // namespace

Expected<std::unique_ptr<HttpsServer>, std::string> HttpsServer::listen(const std::string& host,
                                                                        unsigned port,
                                                                        sec::SslCtxPtr ctx,
                                                                        HttpsLimits limits) {
  std::unique_ptr<HttpsServer> s(new HttpsServer());
  auto fd = bind_listen(host, port, s->port_);
  if (!fd) return unexpected(fd.error());
  s->fd_ = *fd;
  s->ctx_ = std::move(ctx);
  s->limits_ = limits;
  return s;
}

HttpsServer::~HttpsServer() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// Advances one connection as far as it goes without blocking.
void step(HttpsServer::Conn& c, const HttpsHandler& handler, const HttpsLimits& limits);

}  // namespace

void HttpsServer::run(const HttpsHandler& handler, const std::atomic<bool>& stop,
                      const std::function<void()>& evicted, const std::function<void()>& tick) {
  std::deque<std::unique_ptr<Conn>> conns;  // oldest first
  std::vector<pollfd> fds;
  while (!stop.load()) {
    if (tick) tick();
    fds.assign(1, pollfd{fd_, POLLIN, 0});
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(200);
    for (auto& c : conns) {
      fds.push_back({c->fd, c->events, 0});
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(c->deadline - now));
    }
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(wait.count(), 0)));
    now = Clock::now();
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (fds[i + 1].revents != 0) step(*conns[i], handler, limits_);
    }
    std::erase_if(conns, [&](const auto& c) { return c->state == Conn::State::done || now >= c->deadline; });
    if (!(fds[0].revents & POLLIN)) continue;
    for (int n = 0; n < 16; ++n) {  // a burst of accepts per turn
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      if (conns.size() >= limits_.max_connections) {
        conns.pop_front();
        evicted();
      }
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      c->peer = peer_ip(ss);
      c->deadline = now + limits_.request_timeout;
      c->ssl.reset(SSL_new(ctx_.get()));
      if (!c->ssl || SSL_set_fd(c->ssl.get(), fd) != 1) continue;
      SSL_set_accept_state(c->ssl.get());
      step(*c, handler, limits_);
      if (c->state != Conn::State::done) conns.push_back(std::move(c));
    }
  }
}

namespace {

void start_answer(HttpsServer::Conn& c, std::string response, const HttpsLimits& limits) {
  c.out = std::move(response);
  c.sent = 0;
  c.state = HttpsServer::Conn::State::writing;
  c.deadline = Clock::now() + limits.write_timeout;
}

bool read_more(HttpsServer::Conn& c, const HttpsHandler& handler, const HttpsLimits& limits) {
  char buf[4096];
  int n = SSL_read(c.ssl.get(), buf, sizeof buf);
  if (n <= 0) {
    c.events = wanted(c.ssl.get(), n);
    if (c.events == 0) c.state = HttpsServer::Conn::State::done;
    return false;
  }
  c.in.append(buf, static_cast<std::size_t>(n));
  HttpParse p = parse_http_request(c.in, limits.max_body);
  if (p.state == HttpParse::State::error) {
    start_answer(c, http_response(p.status, "text/plain", std::string(http_reason(p.status)) + "\n"), limits);
  } else if (p.state == HttpParse::State::complete) {
    start_answer(c, handler(p.request, c.peer), limits);
  }
  return true;
}

void step(HttpsServer::Conn& c, const HttpsHandler& handler, const HttpsLimits& limits) {
  using State = HttpsServer::Conn::State;
  while (true) {
    if (c.state == State::handshake) {
      int rc = SSL_do_handshake(c.ssl.get());
      if (rc != 1) {
        c.events = wanted(c.ssl.get(), rc);
        if (c.events == 0) c.state = State::done;
        return;
      }
      c.state = State::reading;
    } else if (c.state == State::reading) {
      if (!read_more(c, handler, limits)) return;
    } else if (c.state == State::writing) {
      int n = SSL_write(c.ssl.get(), c.out.data() + c.sent, static_cast<int>(c.out.size() - c.sent));
      if (n <= 0) {
        c.events = wanted(c.ssl.get(), n);
        if (c.events == 0) c.state = State::done;
        return;
      }
      c.sent += static_cast<std::size_t>(n);
      if (c.sent == c.out.size()) {
        SSL_shutdown(c.ssl.get());  // close_notify, best effort; then close
        ERR_clear_error();
        c.state = State::done;
      }
    } else {
      return;
    }
  }
}

}  // namespace

}  // namespace p2psip::enroll
