#pragma once
// Tasks handed to an event loop from other threads (the SIP workers and the overlay's thread,
// sip_workers.h). The owning loop runs them in the order they were posted. After close() (on
// the owning thread) a post is refused and tasks not run yet are dropped unrun: whoever posts
// must not count on an answer from a loop that is going away. Thread-safe: post(); owning
// thread only: create() and close().

#include <uv.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace p2psip::runtime {

class LoopInbox : public std::enable_shared_from_this<LoopInbox> {
 public:
  using Task = std::function<void()>;
  // On the thread that runs `loop`.
  static std::shared_ptr<LoopInbox> create(uv_loop_t* loop);
  ~LoopInbox();
  LoopInbox(const LoopInbox&) = delete;
  LoopInbox& operator=(const LoopInbox&) = delete;

  // Any thread. False (the task dropped) once closed.
  bool post(Task task);
  // The owning thread: no task runs after this; the uv handle goes with the loop's next turn.
  void close();
  bool closed() const;
  std::size_t queued() const;

 private:
  LoopInbox() = default;
  static void wake(uv_async_t* handle);
  void run_queued();

  mutable std::mutex mutex_;
  std::deque<Task> tasks_;
  bool closed_ = false;
  uv_async_t* async_ = nullptr;  // freed in its close callback (uv_handle.h)
};

}  // namespace p2psip::runtime
