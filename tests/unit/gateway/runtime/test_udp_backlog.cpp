// UdpBacklog on real loopback sockets: it finds this process's datagram socket by port and
// sees its receive queue fill as datagrams arrive unread.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "gateway/runtime/udp_backlog.h"

using p2psip::runtime::UdpBacklog;

namespace {

struct Fd {
  int fd;
  ~Fd() { if (fd >= 0) close(fd); }
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A receiving socket bound to a free loopback port (its address in `to`) and a sender.
struct Pair {
  Fd rx{socket(AF_INET, SOCK_DGRAM, 0)};
  Fd tx{socket(AF_INET, SOCK_DGRAM, 0)};
  sockaddr_in to = loopback(0);
};

void bind_receiver(Pair& p) {
  REQUIRE(p.rx.fd >= 0);
  REQUIRE(bind(p.rx.fd, reinterpret_cast<sockaddr*>(&p.to), sizeof p.to) == 0);
  socklen_t len = sizeof p.to;
  REQUIRE(getsockname(p.rx.fd, reinterpret_cast<sockaddr*>(&p.to), &len) == 0);
}

}  // namespace

TEST_CASE("the SIP UDP socket is found by its port and its queue's fill is seen") {
  Pair p;
  bind_receiver(p);
  Fd& tx = p.tx;
  sockaddr_in& a = p.to;
  std::uint16_t port = ntohs(a.sin_port);

  UdpBacklog b = UdpBacklog::find(port);
  CHECK(b.sockets() == 1);
  CHECK(b.fill() == 0.0);
  CHECK(b.grow_receive_buffers(256 << 10) >= std::size_t{256 << 10});

  std::string datagram(1000, 'x');
  for (int i = 0; i < 200; ++i) {
    sendto(tx.fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  double filled = b.fill();
  CHECK(filled > 0.1);
  CHECK(filled <= 1.0);
  CHECK(UdpBacklog::find(static_cast<std::uint16_t>(port + 1)).sockets() == 0);
}

TEST_CASE("the wait of the datagram read last: its kernel arrival stamp against now") {
  Pair p;
  bind_receiver(p);
  Fd& rx = p.rx;
  Fd& tx = p.tx;
  sockaddr_in& a = p.to;
  UdpBacklog b = UdpBacklog::find(ntohs(a.sin_port));
  REQUIRE(b.sockets() == 1);
  CHECK(b.last_wait_ms() < 0);  // nothing read yet

  auto wall_ms = [] {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
  };
  char buf[16];
  double before_send = wall_ms();
  REQUIRE(sendto(tx.fd, "one", 3, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == 3);
  REQUIRE(sendto(tx.fd, "two", 3, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == 3);
  REQUIRE(recv(rx.fd, buf, sizeof buf, 0) == 3);  // blocking: "one" is there
  double first = b.last_wait_ms();
  double since_send = wall_ms() - before_send;
  CHECK(first >= 0);
  CHECK(first <= since_send);  // it arrived after the send began
  CHECK(b.last_wait_ms() < 0);  // no datagram read since: no new sample
  REQUIRE(recv(rx.fd, buf, sizeof buf, 0) == 3);
  double second = b.last_wait_ms();
  CHECK(second >= 0);  // "two", read later, is a new sample
  CHECK(second <= wall_ms() - before_send);
}
