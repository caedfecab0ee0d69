#pragma once
// The one libuv handle helper of the project (overlay, DNS, gateway). libuv may touch a handle
// until its close callback ran, so handles live on the heap and are freed there; `data` points
// at the owner and is cleared when the owner lets go, so a late callback finds nobody home.
// Header-only: every user links libuv itself.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <utility>

namespace p2psip::uv {

template <class Handle>
uv_handle_t* as_handle(Handle* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}

template <class Handle>
uv_stream_t* as_stream(Handle* h) {
  return reinterpret_cast<uv_stream_t*>(h);
}

// Detaches the owner and closes the handle; its memory goes in the close callback.
template <class Handle>
void close_and_delete(Handle* handle) {
  if (handle == nullptr) return;
  handle->data = nullptr;
  if (uv_is_closing(as_handle(handle)) == 0) {
    uv_close(as_handle(handle), [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
  }
}

// A uv_timer_t owned by one object: the callback is a std::function, the handle is closed (and
// freed in its close callback) when the Timer goes, so a callback never runs after that.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop) : handle_(new uv_timer_t{}) {
    uv_timer_init(loop, handle_);
    handle_->data = this;
  }
  ~Timer() { close_and_delete(handle_); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `cb` after `timeout_ms`, then every `repeat_ms` when that is not 0. Replaces any
  // earlier start.
  void start(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> cb) {
    cb_ = std::move(cb);
    uv_timer_start(handle_, &Timer::fire, timeout_ms, repeat_ms);
  }
  void stop() { uv_timer_stop(handle_); }
  bool active() const { return uv_is_active(as_handle(handle_)) != 0; }
  // Milliseconds until it fires (0 when due or not active), uv_timer_get_due_in.
  std::uint64_t due_in() const { return uv_timer_get_due_in(handle_); }
  // Lets the loop end while only this timer is pending (uv_unref).
  void unref() { uv_unref(as_handle(handle_)); }

 private:
  static void fire(uv_timer_t* t) {
    auto* self = static_cast<Timer*>(t->data);
    if (self == nullptr || !self->cb_) return;
    auto cb = self->cb_;  // a copy: the callback may start() the timer again, replacing cb_
    cb();
  }

  uv_timer_t* handle_;
  std::function<void()> cb_;
};

}  // namespace p2psip::uv
