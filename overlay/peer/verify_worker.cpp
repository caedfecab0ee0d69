#include "overlay/peer/verify_worker.h"

#include "common/uv_handle.h"

namespace p2psip::peer {

VerifyWorker::VerifyWorker(uv_loop_t* loop, Done done, AfterVerified after_verified)
    : done_(std::move(done)), after_verified_(std::move(after_verified)), async_(new uv_async_t{}) {
  uv_async_init(loop, async_, [](uv_async_t* a) {
    if (auto* self = static_cast<VerifyWorker*>(a->data)) self->report_results();
  });
  async_->data = this;
  uv_unref(uv::as_handle(async_));  // the links and timers keep the loop alive, not this
  thread_ = std::thread([this] { run(); });
}

VerifyWorker::~VerifyWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  uv::close_and_delete(async_);  // after the join: no uv_async_send can follow
}

void VerifyWorker::submit(std::uint64_t id, std::shared_ptr<const SignatureCheck> check,
                          std::shared_ptr<const AnswerToRequest> answer) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(Job{id, std::move(check), std::move(answer)});
  }
  wake_.notify_one();
}

void VerifyWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Result r{job.id, (*job.check)()};
    job.check.reset();  // the check's certificate reference and bytes go here, not under the lock
    if (r.signer && job.answer && after_verified_) {
      // Before the result is queued: the loop handles the answer only after this returned.
      try {
        after_verified_(*job.answer);
      } catch (...) {  // a pre-computation; the loop does the real work anyway
      }
    }
    job.answer.reset();
    lock.lock();
    results_.push_back(std::move(r));
    uv_async_send(async_);  // thread-safe; coalesced calls still run report_results once
  }
}

void VerifyWorker::report_results() {
  std::deque<Result> ready;
  {
    std::lock_guard lock(mutex_);
    ready.swap(results_);
  }
  for (auto& r : ready) done_(r.id, std::move(r.signer));
}

}  // namespace p2psip::peer
