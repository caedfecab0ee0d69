#include "gateway/runtime/http_fetch.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace p2psip::runtime {

namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// A connected non-blocking socket to one of host's addresses, or the last error.
Expected<int, std::string> connect_to(const std::string& host, std::uint16_t port,
                                      Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string where = host + ":" + std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return unexpected("resolve " + host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrInfoFree> list(found);
  std::string error = "connect to " + where + ": no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    Fd s(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (s.fd < 0) continue;
    int rc = ::connect(s.fd, a->ai_addr, a->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      if (!wait_for(s.fd, POLLOUT, deadline)) {
        error = "connect to " + where + ": timed out";
        continue;
      }
      socklen_t len = sizeof err;
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err != 0) {
      error = "connect to " + where + ": " + std::strerror(err);
      continue;
    }
    int fd = s.fd;
    s.fd = -1;
    return fd;
  }
  return unexpected(error);
}

}  // namespace

Expected<HttpAnswer, std::string> parse_http_answer(const std::string& raw) {
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12 || head_end == std::string::npos) {
    return unexpected(std::string("not an HTTP answer"));
  }
  HttpAnswer a;
  for (std::size_t i = 9; i < 12; ++i) {
    if (raw[i] < '0' || raw[i] > '9') return unexpected(std::string("not an HTTP status line"));
    a.status = a.status * 10 + (raw[i] - '0');
  }
  a.body = raw.substr(head_end + 4);
  return a;
}

Expected<HttpAnswer, std::string> http_fetch(const std::string& host, std::uint16_t port,
                                             const std::string& path,
                                             std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto connected = connect_to(host, port, deadline);
  if (!connected) return unexpected(connected.error());
  Fd s(*connected);
  bool v6 = host.find(':') != std::string::npos;
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + (v6 ? "[" + host + "]" : host) +
                        ":" + std::to_string(port) + "\r\nConnection: close\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    if (!wait_for(s.fd, POLLOUT, deadline)) return unexpected(std::string("send: timed out"));
    ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return unexpected("send: " + std::string(std::strerror(errno)));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    if (!wait_for(s.fd, POLLIN, deadline)) return unexpected(std::string("no complete answer in time"));
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return unexpected("receive: " + std::string(std::strerror(errno)));
    }
    raw.append(buf, static_cast<std::size_t>(n));
    if (raw.size() > kMaxFetchedBytes) return unexpected(std::string("answer larger than 4 MiB"));
  }
  return parse_http_answer(raw);
}

}  // namespace p2psip::runtime
