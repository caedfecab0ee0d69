#pragma once
// Bounds on SIP connections (TCP and TLS) that Sofia's tport cannot enforce itself. Pure:
// the adapter (tcp_guard.h) hands in the connections open now and the requests completed, and
// closes what sweep() returns.
//
// Sofia bounds, per connection (set in sip_agent.cpp): a message's size (NTATAG_MAXSIZE; a
// bigger one gets 413 and the connection closes), a stalled message (TPTAG_TIMEOUT: no byte
// for that long while a message is incomplete: 400, closed) and an idle connection without
// pending transactions (TPTAG_IDLE). It has no limit on the number of connections, total or
// per address, and no deadline for a message that keeps trickling in (its stall timer
// restarts with every byte), so a client sending one byte a second holds a connection and up
// to the size limit of memory for as long as it likes. Those are here:
// - a connection must deliver a complete request within `first_request` of being seen, and
//   each further one within `between_requests` of the previous (longer than any transaction
//   may take to answer, so a quiet connection with a pending INVITE is not cut);
// - at most `max_per_ip` connections from one address and `max_connections` in all: above
//   that, connections that never completed a request go first, the newest first.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace p2psip::sip {

struct TcpLimits {
  std::size_t max_connections = 1024;
  std::size_t max_per_ip = 64;
  std::chrono::milliseconds first_request{10'000};
  std::chrono::milliseconds between_requests{300'000};  // > INVITE timer C (3 min) + 64*T1
};

struct TcpConnection {
  int fd = -1;
  std::string ip;  // numeric, as via_source() normalises it
  unsigned port = 0;
};

enum class TcpCloseReason { kNoRequest, kPerIp, kTotal };
const char* to_string(TcpCloseReason r);

struct TcpClose {
  int fd = -1;
  TcpCloseReason reason = TcpCloseReason::kNoRequest;
};

class TcpPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TcpPolicy(TcpLimits limits) : limits_(limits) {}

  // A complete request arrived from ip:port; counts for the connection with that peer, if any.
  void request_completed(std::string_view ip, unsigned port, Clock::time_point now);
  // The connections open now (each once); returns those to close, each once.
  std::vector<TcpClose> sweep(std::span<const TcpConnection> open, Clock::time_point now);
  std::size_t tracked() const { return conns_.size(); }

 private:
  using Key = std::tuple<std::string, unsigned, int>;  // peer ip, peer port, fd
  struct State {
    Clock::time_point seen;
    std::optional<Clock::time_point> last_request;
    bool closing = false;  // returned by a sweep already: not counted, not returned again
  };
  TcpLimits limits_;
  std::map<Key, State> conns_;
  // Requests from peers no sweep has seen yet (a connection accepted since the last sweep).
  std::map<std::pair<std::string, unsigned>, Clock::time_point> unseen_;
};

}  // namespace p2psip::sip
