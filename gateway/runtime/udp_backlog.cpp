#include "gateway/runtime/udp_backlog.h"

#include <dirent.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace p2psip::runtime {

namespace {

std::uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

bool is_datagram(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

// The arrival stamp (ns since the epoch) of the last datagram read from `fd`; 0: none yet.
// The first call on a socket turns its stamping on (and finds none).
std::int64_t last_read_stamp_ns(int fd) {
  timespec ts{};
  if (ioctl(fd, SIOCGSTAMPNS, &ts) != 0) return 0;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

UdpBacklog UdpBacklog::find(std::uint16_t port) {
  UdpBacklog b;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return b;
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (is_datagram(static_cast<int>(fd)) && local_port(static_cast<int>(fd)) == port) {
      b.fds_.push_back(static_cast<int>(fd));
    }
  }
  closedir(dir);
  return b;
}

double UdpBacklog::last_wait_ms() {
  std::int64_t newest = 0;
  for (int fd : fds_) newest = std::max(newest, last_read_stamp_ns(fd));
  if (newest == 0 || newest == last_stamp_ns_) return -1;
  last_stamp_ns_ = newest;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  double wait_ms = (static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec) -
                    static_cast<double>(newest)) / 1e6;
  constexpr double kClockStepMs = 60'000;  // beyond: the wall clock moved, not the queue
  return wait_ms < 0 || wait_ms > kClockStepMs ? -1 : wait_ms;
}

std::size_t UdpBacklog::grow_receive_buffers(int bytes) const {
  std::size_t smallest = 0;
  for (int fd : fds_) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);  // capped, never an error
    int got = 0;
    socklen_t len = sizeof got;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got > 0) {
      auto g = static_cast<std::size_t>(got);
      smallest = smallest == 0 ? g : std::min(smallest, g);
    }
  }
  return smallest;
}

double UdpBacklog::fill() const {
  double worst = 0;
  for (int fd : fds_) {
    std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
    socklen_t len = sizeof info;
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info.data(), &len) != 0) continue;
    std::uint32_t rcvbuf = info[SK_MEMINFO_RCVBUF];
    if (rcvbuf > 0) worst = std::max(worst, static_cast<double>(info[SK_MEMINFO_RMEM_ALLOC]) / rcvbuf);
  }
  return worst;
}

}  // namespace p2psip::runtime
