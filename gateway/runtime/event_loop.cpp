#include "gateway/runtime/event_loop.h"

#include <sofia-sip/su.h>


namespace p2psip::runtime {

SofiaLibrary::SofiaLibrary() { su_init(); }
SofiaLibrary::~SofiaLibrary() { su_deinit(); }

Expected<std::unique_ptr<EventLoop>, std::string> EventLoop::create() {
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

void EventLoop::pump() {
  uv_run(&uv_, UV_RUN_NOWAIT);
  // A loop with nothing alive reports timeout 0; that must not become a busy timer.
  int timeout = uv_loop_alive(&uv_) ? uv_backend_timeout(&uv_) : -1;
  if (timeout < 0) {
    su_timer_reset(timer_.get());
  } else {
    su_timer_set_interval(timer_.get(), &EventLoop::on_timer, this, timeout);
  }
}

int EventLoop::on_uv_readable(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
  static_cast<EventLoop*>(arg)->pump();
  return 0;
}

void EventLoop::on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  static_cast<EventLoop*>(arg)->pump();
}

void EventLoop::on_prepoll(su_prepoll_magic_t* arg, su_root_t*) {
  static_cast<EventLoop*>(arg)->pump();
}

void EventLoop::signalled(int signum) {
  stop_signal_ = signum;
  if (on_signal_) on_signal_(signum);
  stop();
}

}  // namespace p2psip::runtime
