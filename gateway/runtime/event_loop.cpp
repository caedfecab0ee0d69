#include "gateway/runtime/event_loop.h"

#include <sofia-sip/su.h>
#include <sofia-sip/su_time.h>

// Sofia's clock hook: su_time() (and so su_now()) reads the clock into its argument, then calls
// it with that argument (which may be null), and it may change the time. Exported by
// libsofia-sip-ua ("hooks for testing timing and timers", su_time0.c) but declared in no
// installed header. Debian 12's library points it at a no-op and calls it unconditionally, so
// it is never left null.
extern "C" void (*_su_time)(su_time_t* tv);

namespace p2psip::runtime {

namespace {

// Sofia turns the time to its next timer into a poll timeout by truncating to milliseconds
// (su_duration), so for the last fraction of a millisecond before every timer it polls with
// timeout 0 again and again: under call load that spin took most of the gateway's loop
// (bench/RESULTS-sip.md: ~190,000 zero-timeout polls a second at 150 calls/s). With Sofia's
// clock rounded up to whole milliseconds, every timer it sets falls on a whole millisecond and
// the time left is always whole: it sleeps the full remainder and wakes with the timer due.
// Timers fire up to 1 ms early by the real clock, which no SIP timer (T1 = 500 ms) notices.
void whole_millisecond(su_time_t* tv) {
  if (!tv) return;
  unsigned long usec = tv->tv_usec;
  unsigned long rounded = (usec + 999) / 1000 * 1000;
  if (rounded >= 1'000'000) {
    tv->tv_sec += 1;
    rounded -= 1'000'000;
  }
  tv->tv_usec = rounded;
}

}  // namespace

SofiaLibrary::SofiaLibrary() : previous_clock_hook_(_su_time) {
  _su_time = &whole_millisecond;
  su_init();
}
SofiaLibrary::~SofiaLibrary() {
  su_deinit();
  _su_time = previous_clock_hook_;
}

Expected<std::unique_ptr<EventLoop>, std::string> EventLoop::create(bool stop_signals) {
  std::unique_ptr<EventLoop> self(new EventLoop());
  if (int rc = uv_loop_init(&self->uv_); rc != 0) {
    return unexpected(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  self->uv_initialized_ = true;
  self->root_.reset(su_root_create(nullptr));
  if (!self->root_) return unexpected(std::string("su_root_create failed"));
  if (su_wait_create(&self->wait_, uv_backend_fd(&self->uv_), SU_WAIT_IN) != 0) {
    return unexpected(std::string("su_wait_create on the uv backend fd failed"));
  }
  self->wait_index_ = su_root_register(self->root_.get(), &self->wait_, &EventLoop::on_uv_readable,
                                       self.get(), su_pri_normal);
  if (self->wait_index_ < 0) return unexpected(std::string("su_root_register failed"));
  self->timer_.reset(su_timer_create(su_root_task(self->root_.get()), 0));
  if (!self->timer_) return unexpected(std::string("su_timer_create failed"));
  su_root_add_prepoll(self->root_.get(), &EventLoop::on_prepoll, self.get());

  if (!stop_signals) return self;
  EventLoop* raw = self.get();
  self->signals_ = std::make_unique<StopSignals>(&self->uv_, [raw](int sig) { raw->signalled(sig); });
  return self;
}

EventLoop::~EventLoop() {
  // Sofia first: its epoll still watches uv's backend fd, which uv_loop_close() closes.
  if (root_) {
    su_root_remove_prepoll(root_.get());
    timer_.reset();
    if (wait_index_ >= 0) su_root_deregister(root_.get(), wait_index_);
    root_.reset();
  }
  if (uv_initialized_) {
    // Close our handles, let every close callback run, then close the loop.
    signals_.reset();
    while (uv_run(&uv_, UV_RUN_NOWAIT) != 0) {
    }
    uv_loop_close(&uv_);
  }
}

int EventLoop::run() {
  stopping_ = false;
  pump();
  // pump() may already have asked to stop (a signal, a finished Leave); su_root_break() before
  // su_root_run() would be forgotten and the loop would run forever.
  if (!stopping_) su_root_run(root_.get());
  return stop_signal_;
}

void EventLoop::stop() {
  stopping_ = true;
  su_root_break(root_.get());
}

bool uv_needs_run(const uv_loop_t* loop) {
  // libuv (1.44, Debian 12) answers 0 with a due timer, pending callbacks, idle or closing
  // handles, and with io watchers started since its last poll (uv_poll_start for a socket
  // c-ares just opened, a write that could not finish at once): those reach epoll_ctl only
  // inside uv_run. Measured by the unit test, not assumed. A loop with nothing alive (no
  // active handle or request, nothing closing) also answers 0 and has nothing to run.
  return uv_loop_alive(loop) != 0 && uv_backend_timeout(loop) == 0;
}

void EventLoop::pump() {
  uv_run(&uv_, UV_RUN_NOWAIT);
  rearm();
}

void EventLoop::prepoll() {
  ++iterations_;
  // Before every Sofia poll, after the fd callbacks of the last one (SIP messages). Running uv
  // here each time cost an epoll_wait, a clock read and a Sofia timer re-insert per Sofia
  // iteration (bench/RESULTS-sip.md); uv only needs it when it has work that Sofia's poll would
  // not wake it for. Its fd and its timer (rearm) cover the rest. Sofia runs its timers after
  // this hook: uv work a Sofia timer callback starts waits for Sofia's next wake (in the
  // gateway at most the loop-lag probe's 10 ms period).
  uv_update_time(&uv_);
  if (uv_needs_run(&uv_)) uv_run(&uv_, UV_RUN_NOWAIT);
  rearm();
}

void EventLoop::rearm() {
  // A loop with nothing alive reports timeout 0; that must not become a busy timer.
  int timeout = uv_loop_alive(&uv_) ? uv_backend_timeout(&uv_) : -1;
  if (timeout < 0) {
    if (armed_) su_timer_reset(timer_.get());
    armed_ = false;
    return;
  }
  // uv_now() is uv's cached clock: now + timeout is uv's next deadline exactly. An unchanged
  // deadline is not re-armed (su_timer_set_interval reads the clock and re-sorts Sofia's heap).
  std::uint64_t deadline = uv_now(&uv_) + static_cast<std::uint64_t>(timeout);
  if (armed_ && deadline == armed_deadline_) return;
  su_timer_set_interval(timer_.get(), &EventLoop::on_timer, this, timeout);
  armed_ = true;
  armed_deadline_ = deadline;
}

int EventLoop::on_uv_readable(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
  static_cast<EventLoop*>(arg)->pump();
  return 0;
}

void EventLoop::on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  auto* self = static_cast<EventLoop*>(arg);
  self->armed_ = false;  // a fired su_timer is no longer armed
  self->pump();
}

void EventLoop::on_prepoll(su_prepoll_magic_t* arg, su_root_t*) {
  static_cast<EventLoop*>(arg)->prepoll();
}

void EventLoop::signalled(int signum) {
  stop_signal_ = signum;
  if (on_signal_) on_signal_(signum);
  stop();
}

}  // namespace p2psip::runtime
