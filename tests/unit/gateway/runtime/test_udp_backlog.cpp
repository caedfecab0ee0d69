// UdpBacklog on real loopback sockets: it finds this process's datagram socket by port and
// sees its receive queue fill as datagrams arrive unread.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

}  // namespace

TEST_CASE("the SIP UDP socket is found by its port and its queue's fill is seen") {
  Fd rx{socket(AF_INET, SOCK_DGRAM, 0)};
  Fd tx{socket(AF_INET, SOCK_DGRAM, 0)};
  REQUIRE(rx.fd >= 0);
  sockaddr_in a = loopback(0);
  REQUIRE(bind(rx.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(rx.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
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
