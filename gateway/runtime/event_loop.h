#pragma once
// The process's one event loop (DESIGN.md §3): Sofia's su_root is the master loop and libuv is
// embedded in it. uv's backend fd is registered as an su_wait, one su_timer follows
// uv_backend_timeout(), and a prepoll hook runs uv before every Sofia poll, so uv timers and
// sockets (overlay links, c-ares) run on the same thread as nta. No locks anywhere below.

#include <sofia-sip/su_wait.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "gateway/sip/sofia_handles.h"
#include "gateway/runtime/uv_loop.h"

namespace p2psip::runtime {

// su_init()/su_deinit() for the process; construct once in main before any EventLoop.
class SofiaLibrary {
 public:
  SofiaLibrary();
  ~SofiaLibrary();
  SofiaLibrary(const SofiaLibrary&) = delete;
  SofiaLibrary& operator=(const SofiaLibrary&) = delete;
};

class EventLoop final : public LoopControl {
 public:
  static Expected<std::unique_ptr<EventLoop>, std::string> create();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  su_root_t* su_root() { return root_.get(); }
  uv_loop_t* uv() { return &uv_; }

  // Runs until stop() (or a stop signal). Returns the signal number that stopped it, or 0.
  int run() override;
  void stop() override;
  // SIGTERM/SIGINT (StopSignals) call this before stopping the loop.
  void on_stop_signal(std::function<void(int)> cb) { on_signal_ = std::move(cb); }

 private:
  EventLoop() = default;
  static int on_uv_readable(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg);
  static void on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);
  static void on_prepoll(su_prepoll_magic_t* arg, su_root_t*);
  void signalled(int signum);
  // Runs ready uv work without blocking, then re-arms the su_timer to uv's next deadline.
  void pump();

  sip::sofia::Root root_;
  uv_loop_t uv_{};
  bool uv_initialized_ = false;
  su_wait_t wait_{};
  int wait_index_ = -1;
  sip::sofia::Timer timer_;
  std::unique_ptr<StopSignals> signals_;
  int stop_signal_ = 0;
  bool stopping_ = false;  // stop() was called during the current run()
  std::function<void(int)> on_signal_;
};

}  // namespace p2psip::runtime
