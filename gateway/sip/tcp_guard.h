#pragma once
// Enforces tcp_limits.h on the SIP listeners' connections. Sofia's tport offers no hook at
// accept and no public way to list its connections, so a timer (every kSweepPeriod) lists the
// process's TCP sockets whose local port is a SIP listener's and that have a peer, and shuts
// down (shutdown(2), not close: the descriptor stays Sofia's, which then sees the end of the
// stream and closes its transport itself) those the policy picks. Everything runs on the loop
// thread, as Sofia does, so a descriptor cannot change hands between listing and shutdown.
// Limits are enforced at most one period late.

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <vector>

#include "gateway/sip/sofia_handles.h"
#include "gateway/sip/tcp_limits.h"

struct su_root_s;
struct su_timer_s;
struct msg_s;

namespace p2psip::metrics {
class SipMetrics;
}

namespace p2psip::sip {

class TcpGuard {
 public:
  static constexpr std::chrono::milliseconds kSweepPeriod{500};
  // `ports`: the local ports of the SIP TCP/TLS listeners.
  TcpGuard(su_root_s* root, std::vector<unsigned> ports, TcpLimits limits,
           metrics::SipMetrics* metrics, std::shared_ptr<spdlog::logger> log);
  ~TcpGuard();
  TcpGuard(const TcpGuard&) = delete;
  TcpGuard& operator=(const TcpGuard&) = delete;

  // A complete request arrived over a connection (its source address is msg_addr(msg)).
  void request_completed(msg_s* msg);

 private:
  static void on_timer(void* magic, su_timer_s* timer, void* arg);
  void sweep();
  std::vector<TcpConnection> list_connections() const;

  std::vector<unsigned> ports_;
  TcpPolicy policy_;
  sofia::Timer timer_;
  metrics::SipMetrics* metrics_;  // may be null
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace p2psip::sip
