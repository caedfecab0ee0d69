#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "gateway/sip/tcp_limits.h"

using namespace std::chrono_literals;
using p2psip::sip::TcpClose;
using p2psip::sip::TcpCloseReason;
using p2psip::sip::TcpConnection;
using p2psip::sip::TcpLimits;
using p2psip::sip::TcpPolicy;

namespace {

const TcpPolicy::Clock::time_point t0{};

std::vector<int> fds(const std::vector<TcpClose>& closes, TcpCloseReason why) {
  std::vector<int> out;
  for (const auto& c : closes) {
    if (c.reason == why) out.push_back(c.fd);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TcpLimits limits(std::size_t total, std::size_t per_ip) {
  TcpLimits l;
  l.max_connections = total;
  l.max_per_ip = per_ip;
  l.first_request = 10s;
  l.between_requests = 300s;
  return l;
}

}  // namespace

TEST_CASE("a connection without a complete request closes at first_request, once") {
  TcpPolicy p(limits(100, 100));
  std::vector<TcpConnection> open{{5, "192.0.2.1", 4000}};
  CHECK(p.sweep(open, t0).empty());
  CHECK(p.sweep(open, t0 + 9s).empty());
  CHECK(fds(p.sweep(open, t0 + 10s), TcpCloseReason::kNoRequest) == std::vector<int>{5});
  CHECK(p.sweep(open, t0 + 11s).empty());  // still listed while Sofia closes it: not again
  CHECK(p.sweep({}, t0 + 12s).empty());
  CHECK(p.tracked() == 0);
}

TEST_CASE("a completed request moves the deadline to between_requests after it") {
  TcpPolicy p(limits(100, 100));
  std::vector<TcpConnection> open{{5, "192.0.2.1", 4000}, {6, "192.0.2.1", 4001}};
  p.sweep(open, t0);
  p.request_completed("192.0.2.1", 4000, t0 + 5s);
  CHECK(fds(p.sweep(open, t0 + 10s), TcpCloseReason::kNoRequest) == std::vector<int>{6});
  CHECK(p.sweep(open, t0 + 304s).empty());
  CHECK(fds(p.sweep(open, t0 + 305s), TcpCloseReason::kNoRequest) == std::vector<int>{5});
}

TEST_CASE("a request that arrives before any sweep saw its connection still counts") {
  TcpPolicy p(limits(100, 100));
  p.request_completed("192.0.2.1", 4000, t0);
  std::vector<TcpConnection> open{{5, "192.0.2.1", 4000}};
  CHECK(p.sweep(open, t0 + 1s).empty());
  CHECK(p.sweep(open, t0 + 20s).empty());  // not the 10 s of a connection without a request
}

TEST_CASE("per address: the newest beyond the cap close, those with a request last") {
  TcpPolicy p(limits(100, 2));
  std::vector<TcpConnection> open{{5, "192.0.2.1", 1}, {6, "192.0.2.1", 2}};
  CHECK(p.sweep(open, t0).empty());
  p.request_completed("192.0.2.1", 2, t0);
  open.push_back({7, "192.0.2.1", 3});
  open.push_back({8, "192.0.2.2", 1});  // another address is not affected
  CHECK(fds(p.sweep(open, t0 + 1s), TcpCloseReason::kPerIp) == std::vector<int>{7});
  open.push_back({9, "192.0.2.1", 4});
  open.push_back({10, "192.0.2.1", 5});
  // 5 (no request, older) and 6 (request) stay: 9 and 10 are newer and have none.
  CHECK(fds(p.sweep(open, t0 + 2s), TcpCloseReason::kPerIp) == std::vector<int>{9, 10});
}

TEST_CASE("total: the newest without a request close first, in the same sweep by fd") {
  TcpPolicy p(limits(3, 100));
  std::vector<TcpConnection> open{{5, "192.0.2.1", 1}, {6, "192.0.2.2", 1}};
  p.sweep(open, t0);
  open.push_back({7, "192.0.2.3", 1});
  open.push_back({8, "192.0.2.4", 1});
  open.push_back({9, "192.0.2.5", 1});
  p.request_completed("192.0.2.5", 1, t0 + 500ms);
  CHECK(fds(p.sweep(open, t0 + 1s), TcpCloseReason::kTotal) == std::vector<int>{7, 8});
}

TEST_CASE("a reused descriptor with another peer is a new connection") {
  TcpPolicy p(limits(100, 100));
  p.sweep(std::vector<TcpConnection>{{5, "192.0.2.1", 1}}, t0);
  CHECK(p.sweep(std::vector<TcpConnection>{{5, "192.0.2.9", 7}}, t0 + 9s).empty());
  CHECK(p.sweep(std::vector<TcpConnection>{{5, "192.0.2.9", 7}}, t0 + 18s).empty());
  CHECK(p.sweep(std::vector<TcpConnection>{{5, "192.0.2.9", 7}}, t0 + 19s).size() == 1);
}
