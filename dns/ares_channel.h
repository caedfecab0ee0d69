#pragma once
// RAII owner of one c-ares channel driven by a libuv loop (DESIGN §5): the socket-state
// callback watches each c-ares socket with its own uv_poll_t (started once, only its events
// change), one uv_timer_t is re-armed from ares_timeout() after c-ares processed a socket or
// the timer, and after a query only when its deadline is earlier than the armed one. uv handles
// are heap objects freed in their close callbacks, so they may outlive this object while the
// loop finishes closing them. With no query pending the handles are unreferenced: an idle
// channel does not keep the loop alive.

#include <ares.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/expected.h"
#include "common/uv_handle.h"

namespace p2psip::dns {

struct ChannelOptions {
  std::vector<std::string> servers;              // "ADDR:PORT" ([v6]:port); empty: resolv.conf
  std::chrono::milliseconds timeout{1000};       // first try; c-ares backs off on later tries
  int tries = 2;
  // false (default): a SERVFAIL/REFUSED answer is final and reported as such
  // (ARES_FLAG_NOCHECKRESP). true: c-ares tries the next server, but when all fail it reports
  // only "Could not contact DNS servers" (c-ares 1.18 behaviour).
  bool failover_on_servfail = false;
  // true (default): c-ares keeps its sockets open when no query is pending
  // (ARES_FLAG_STAYOPEN). Otherwise it closes them whenever the channel goes idle and the next
  // query pays socket + connect + fcntl x3 + ioctl + epoll add/del, i.e. once per resolution
  // when names are resolved one at a time. Cost: the UDP source port changes only when a socket
  // is re-created (under load it stays fixed either way); query IDs stay random.
  bool keep_sockets_open = true;
};

class AresChannel {
 public:
  // (status, raw answer or null, length). Called on the loop thread; also with
  // ARES_EDESTRUCTION when the channel is destroyed with the query pending.
  using QueryCallback = std::function<void(int status, const unsigned char* abuf, int alen)>;

  static Expected<std::unique_ptr<AresChannel>, std::string> create(uv_loop_t* loop,
                                                                    const ChannelOptions& options);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Class IN query without search domains. Never blocks.
  void query(const std::string& name, int type, QueryCallback cb);

 private:
  explicit AresChannel(uv_loop_t* loop);
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_poll(uv_poll_t* handle, int status, int events);
  void on_timer();
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void watch(ares_socket_t fd, int readable, int writable);
  void rearm_timer();
  void set_referenced(bool ref);

  uv_loop_t* loop_;
  std::uint64_t first_timeout_ms_ = 0;  // deadline of a new query: now + this
  std::size_t pending_ = 0;             // queries whose callback has not run yet
  bool processing_ = false;             // inside ares_process_fd (timer re-armed after it)
  ares_channel channel_ = nullptr;
  bool library_ = false;
  std::unique_ptr<uv::Timer> timer_;  // re-armed from ares_timeout()
  struct Poll {
    uv_poll_t* handle;
    int events;
  };
  std::unordered_map<ares_socket_t, Poll> polls_;
};

}  // namespace p2psip::dns
