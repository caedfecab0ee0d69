#pragma once
// The completion rule of the public API (overlay.h): no callback runs inside the call that
// took it. Deferred queues closures and runs them from a zero-timeout uv timer, i.e. from a
// later loop callback. Destroying it drops what is still queued.

#include <uv.h>

#include <functional>
#include <memory>
#include <vector>

#include "common/uv_handle.h"

namespace p2psip::overlay {

class Deferred {
 public:
  explicit Deferred(uv_loop_t* loop) : timer_(loop) {}
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;

  void post(std::function<void()> fn) {
    queue_.push_back(std::move(fn));
    if (!timer_.active()) timer_.start(0, 0, [this] { run(); });
  }

  // `done` wrapped: called with the same argument, always from a later loop callback; never
  // once `this` is gone.
  template <class Arg>
  std::function<void(Arg)> later(std::function<void(Arg)> done) {
    std::weak_ptr<bool> alive = alive_;
    return [this, alive, done = std::move(done)](Arg value) {
      if (alive.expired() || !done) return;
      post([done, value = std::move(value)]() mutable { done(std::move(value)); });
    };
  }
  std::function<void()> later(std::function<void()> done) {
    std::weak_ptr<bool> alive = alive_;
    return [this, alive, done = std::move(done)] {
      if (alive.expired() || !done) return;
      post(done);
    };
  }

 private:
  void run() {
    std::weak_ptr<bool> alive = alive_;
    auto queue = std::move(queue_);
    queue_.clear();
    for (auto& fn : queue) {
      fn();
      if (alive.expired()) return;  // a callback destroyed the owner
    }
  }

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uv::Timer timer_;
  std::vector<std::function<void()>> queue_;
};

}  // namespace p2psip::overlay
