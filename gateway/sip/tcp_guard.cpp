#include "gateway/sip/tcp_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/su_wait.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "gateway/sip/via_pin.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

namespace {

// The numeric address and port of a socket address, normalised as via_source() does.
std::optional<ViaSource> endpoint(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "";
  unsigned port = 0;
  if (ss.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
    inet_ntop(AF_INET, &in.sin_addr, ip, sizeof ip);
    port = ntohs(in.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip);
    port = ntohs(in6.sin6_port);
  } else {
    return std::nullopt;
  }
  return via_source(ip, port);
}

}  // namespace

TcpGuard::TcpGuard(su_root_s* root, std::vector<unsigned> ports, TcpLimits limits,
                   metrics::SipMetrics* metrics, std::shared_ptr<spdlog::logger> log)
    : ports_(std::move(ports)), policy_(limits), metrics_(metrics), log_(std::move(log)) {
  timer_ = sofia::make_timer(root, static_cast<unsigned>(kSweepPeriod.count()));
  su_timer_set_for_ever(timer_.get(), &TcpGuard::on_timer, reinterpret_cast<su_timer_arg_t*>(this));
  log_->info("SIP connections: at most {} in all, {} per address; a connection must complete "
             "a request within {} s, then each next within {} s",
             limits.max_connections, limits.max_per_ip, limits.first_request.count() / 1000,
             limits.between_requests.count() / 1000);
}

TcpGuard::~TcpGuard() = default;

void TcpGuard::on_timer(void*, su_timer_s*, void* arg) { static_cast<TcpGuard*>(arg)->sweep(); }

void TcpGuard::request_completed(msg_s* msg) {
  const su_sockaddr_t* su = msg_addr(msg);
  if (!su) return;
  sockaddr_storage ss{};
  std::size_t len = su->su_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&ss, su, len);
  if (auto peer = endpoint(ss)) {
    policy_.request_completed(peer->ip, peer->port, TcpPolicy::Clock::now());
  }
}

std::vector<TcpConnection> TcpGuard::list_connections() const {
  std::vector<TcpConnection> out;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return out;
  int dir_fd = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dir_fd) continue;
    sockaddr_storage local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    auto mine = endpoint(local);
    if (!mine || std::find(ports_.begin(), ports_.end(), mine->port) == ports_.end()) continue;
    int type = 0;
    len = sizeof type;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
        type != SOCK_STREAM) {
      continue;
    }
    len = sizeof peer;
    // No peer: a listener.
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (auto p = endpoint(peer)) out.push_back({static_cast<int>(fd), p->ip, p->port});
  }
  closedir(dir);
  return out;
}

void TcpGuard::sweep() {
  auto open = list_connections();
  auto closes = policy_.sweep(open, TcpPolicy::Clock::now());
  std::size_t counts[3] = {0, 0, 0};
  for (const auto& c : closes) {
    auto it = std::find_if(open.begin(), open.end(), [&](const auto& o) { return o.fd == c.fd; });
    log_->debug("closing SIP connection from {}:{}: {}", it != open.end() ? it->ip : "?",
                it != open.end() ? it->port : 0, to_string(c.reason));
    shutdown(c.fd, SHUT_RDWR);
    ++counts[static_cast<int>(c.reason)];
    if (metrics_) metrics_->connection_closed(static_cast<std::size_t>(c.reason));
  }
  if (!closes.empty()) {
    log_->info("closed SIP connections: {} without a complete request in time, {} over the "
               "per-address limit, {} over the total limit ({} open)",
               counts[0], counts[1], counts[2], open.size() - closes.size());
  }
}

}  // namespace p2psip::sip
