#include "gateway/runtime/uv_loop.h"

#include <csignal>

#include "common/uv_handle.h"

namespace p2psip::runtime {

StopSignals::StopSignals(uv_loop_t* loop, std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  for (auto [slot, sig] : {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}}) {
    *slot = new uv_signal_t{};
    uv_signal_init(loop, *slot);
    (*slot)->data = this;
    uv_signal_start(*slot, [](uv_signal_t* h, int signum) {
      if (auto* self = static_cast<StopSignals*>(h->data)) self->on_signal_(signum);
    }, sig);
  }
}

StopSignals::~StopSignals() {
  uv::close_and_delete(sigterm_);
  uv::close_and_delete(sigint_);
}

Expected<std::unique_ptr<UvLoop>, std::string> UvLoop::create() {
  // A peer that vanishes makes a write fail with EPIPE; without this the signal would end the
  // process (Sofia's su_init() does the same for the gateway).
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<UvLoop> self(new UvLoop());
  if (int rc = uv_loop_init(&self->uv_); rc != 0) {
    return unexpected(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  self->initialized_ = true;
  UvLoop* raw = self.get();
  self->signals_ = std::make_unique<StopSignals>(&self->uv_, [raw](int sig) { raw->signalled(sig); });
  return self;
}

UvLoop::~UvLoop() {
  if (!initialized_) return;
  signals_.reset();
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
