#include "gateway/runtime/loop_inbox.h"

#include "common/uv_handle.h"

namespace p2psip::runtime {

std::shared_ptr<LoopInbox> LoopInbox::create(uv_loop_t* loop) {
  std::shared_ptr<LoopInbox> self(new LoopInbox());
  self->async_ = new uv_async_t{};
  uv_async_init(loop, self->async_, &LoopInbox::wake);
  self->async_->data = self.get();
  return self;
}

LoopInbox::~LoopInbox() { close(); }

bool LoopInbox::post(Task task) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return false;
  tasks_.push_back(std::move(task));
  // Under the lock: close() sets closed_ under it before the handle is closed, so no send can
  // reach a closing handle. libuv coalesces sends until the loop wakes.
  uv_async_send(async_);
  return true;
}

void LoopInbox::close() {
  std::deque<Task> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    dropped.swap(tasks_);
  }
  uv::close_and_delete(async_);  // data cleared: a wake already due finds nobody
  async_ = nullptr;
  // `dropped` goes here, outside the lock: a task's captures may post elsewhere as they die.
}

bool LoopInbox::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

std::size_t LoopInbox::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.size();
}

void LoopInbox::wake(uv_async_t* handle) {
  auto* self = static_cast<LoopInbox*>(handle->data);
  if (self != nullptr) self->run_queued();
}

void LoopInbox::run_queued() {
  std::deque<Task> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(tasks_);
  }
  // A task may close this inbox (a worker stopping): the rest of the batch is dropped then.
  auto keep = shared_from_this();
  while (!batch.empty()) {
    if (closed()) return;
    Task task = std::move(batch.front());
    batch.pop_front();
    task();
  }
}

}  // namespace p2psip::runtime
