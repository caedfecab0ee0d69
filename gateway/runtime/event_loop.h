#pragma once
// The process's one event loop (DESIGN.md §3): Sofia's su_root is the master loop and libuv is
// embedded in it. uv's backend fd is registered as an su_wait, one su_timer follows
// uv_backend_timeout(), and a prepoll hook runs uv before every Sofia poll, so uv timers and
// sockets (overlay links, c-ares) run on the same thread as nta. No locks anywhere below.

#include <sofia-sip/su_time.h>
#include <sofia-sip/su_wait.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "gateway/sip/sofia_handles.h"
#include "gateway/runtime/uv_loop.h"

namespace p2psip::runtime {

// True when `loop` has work only a uv_run does: io watchers not yet registered with the
// kernel, a due timer, pending callbacks, closing handles.
bool uv_needs_run(const uv_loop_t* loop);

// su_init()/su_deinit() for the process; construct once in main before any EventLoop. It also
// rounds Sofia's clock up to whole milliseconds (event_loop.cpp: Sofia spins before timers
// otherwise).
class SofiaLibrary {
 public:
  SofiaLibrary();
  ~SofiaLibrary();
  SofiaLibrary(const SofiaLibrary&) = delete;
  SofiaLibrary& operator=(const SofiaLibrary&) = delete;

 private:
  void (*previous_clock_hook_)(su_time_t*);
};

class EventLoop final : public LoopControl {
 public:
  // `stop_signals`: SIGTERM/SIGINT stop this loop (the main loop's; a SIP worker's loop is
  // stopped by the main thread instead, sip_workers.h).
  static Expected<std::unique_ptr<EventLoop>, std::string> create(bool stop_signals = true);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  su_root_t* su_root() { return root_.get(); }
  uv_loop_t* uv() { return &uv_; }

  // Runs until stop() (or a stop signal). Returns the signal number that stopped it, or 0.
  int run() override;
  void stop() override;
  // Sofia loop iterations so far (its prepoll hook's calls): a loop that sleeps until its next
  // event makes a few per event, one that spins makes thousands.
  std::uint64_t iterations() const { return iterations_; }
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
  // Sofia's prepoll hook: pump() only when uv has work Sofia's poll would not wake it for.
  void prepoll();
  void rearm();

  sip::sofia::Root root_;
  uv_loop_t uv_{};
  bool uv_initialized_ = false;
  su_wait_t wait_{};
  int wait_index_ = -1;
  sip::sofia::Timer timer_;
  std::uint64_t iterations_ = 0;
  bool armed_ = false;                 // timer_ is set, for uv's deadline armed_deadline_
  std::uint64_t armed_deadline_ = 0;   // uv_now() milliseconds
  std::unique_ptr<StopSignals> signals_;
  int stop_signal_ = 0;
  bool stopping_ = false;  // stop() was called during the current run()
  std::function<void(int)> on_signal_;
};

}  // namespace p2psip::runtime
