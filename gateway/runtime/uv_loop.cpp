#include "gateway/runtime/uv_loop.h"

#include <csignal>

#include "common/uv_handle.h"

namespace p2psip::runtime {

Expected<std::unique_ptr<UvLoop>, std::string> UvLoop::create() {
  // A peer that vanishes makes a write fail with EPIPE; without this the signal would end the
  // process (Sofia's su_init() does the same for the gateway).
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<UvLoop> self(new UvLoop());
  if (int rc = uv_loop_init(&self->uv_); rc != 0) {
    return unexpected(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  self->initialized_ = true;
  for (auto [slot, sig] : {std::pair{&self->sigterm_, SIGTERM}, std::pair{&self->sigint_, SIGINT}}) {
    *slot = new uv_signal_t{};
    uv_signal_init(&self->uv_, *slot);
    (*slot)->data = self.get();
    uv_signal_start(*slot, [](uv_signal_t* h, int signum) {
      if (auto* loop = static_cast<UvLoop*>(h->data)) loop->signalled(signum);
    }, sig);
  }
  return self;
}

UvLoop::~UvLoop() {
  if (!initialized_) return;
  uv::close_and_delete(sigterm_);
  uv::close_and_delete(sigint_);
  while (uv_run(&uv_, UV_RUN_NOWAIT) != 0) {
  }
  uv_loop_close(&uv_);
}

int UvLoop::run() {
  uv_run(&uv_, UV_RUN_DEFAULT);
  return stop_signal_;
}

void UvLoop::stop() { uv_stop(&uv_); }

void UvLoop::signalled(int signum) {
  stop_signal_ = signum;
  if (on_signal_) on_signal_(signum);
  stop();
}

}  // namespace p2psip::runtime
