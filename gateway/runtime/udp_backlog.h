#pragma once
// How full the SIP UDP sockets' receive queues are, one of the overload guard's signals
// (gateway/sip/overload.h). Sofia-SIP does not expose its sockets, so they are found once,
// after nta has bound them: every datagram socket of this process bound to the SIP port.
// fill() is the fullest queue's share of its receive buffer (SO_MEMINFO: bytes the kernel
// holds for unread datagrams / the buffer size), 0..1. A full queue drops datagrams: requests,
// responses, ACKs and BYEs alike; this sees it coming, however fast the machine is.

#include <cstdint>
#include <vector>

namespace p2psip::runtime {

class UdpBacklog {
 public:
  // The datagram sockets of this process whose local port is `port` (none found: fill() is 0).
  static UdpBacklog find(std::uint16_t port);
  double fill() const;
  // Asks for `bytes` of receive buffer on each socket (the kernel caps it at net.core.rmem_max,
  // as it does for Kamailio's); returns the smallest buffer granted (0: no socket).
  std::size_t grow_receive_buffers(int bytes) const;
  std::size_t sockets() const { return fds_.size(); }
  // How long (ms) the datagram read last waited in its receive queue: the kernel's arrival
  // stamp of the last datagram read from these sockets (SIOCGSTAMPNS, socket(7)) against
  // CLOCK_REALTIME now. Sofia reads a datagram and hands it to the proxy at once, so during the
  // proxy's callback this is the wait of the request at hand. -1 when no datagram was read
  // since the last call (the request came over TCP/TLS) or the wall clock stepped. The first
  // call turns the sockets' stamping on (the kernel stamps only once asked): -1.
  double last_wait_ms();

 private:
  std::vector<int> fds_;  // owned by Sofia; only read here
  std::int64_t last_stamp_ns_ = 0;
};

}  // namespace p2psip::runtime
