#pragma once
// LoopControl: what the processes need of their loop (run until a stop signal or stop()).
// UvLoop: a plain libuv loop with SIGTERM/SIGINT (uv_signal), for `p2psip peer`, which speaks
// no SIP and so runs without Sofia. The gateway's loop is EventLoop (event_loop.h).

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"

namespace p2psip::runtime {

class LoopControl {
 public:
  virtual ~LoopControl() = default;
  // Runs until stop() (or a stop signal). Returns the signal number that stopped it, or 0.
  virtual int run() = 0;
  virtual void stop() = 0;
};

// SIGTERM and SIGINT on a uv loop (uv_signal): `on_signal(signum)` runs on the loop. The
// handles stay referenced: uv_run() polls nothing at all while the loop has no live handle.
class StopSignals {
 public:
  StopSignals(uv_loop_t* loop, std::function<void(int)> on_signal);
  ~StopSignals();  // closes both handles (freed in their close callbacks)
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  std::function<void(int)> on_signal_;
  uv_signal_t* sigterm_ = nullptr;
  uv_signal_t* sigint_ = nullptr;
};

class UvLoop final : public LoopControl {
 public:
  static Expected<std::unique_ptr<UvLoop>, std::string> create();
  // Closes the signal handles, lets every close callback run and closes the loop: destroy
  // every other user of the loop first.
  ~UvLoop() override;
  UvLoop(const UvLoop&) = delete;
  UvLoop& operator=(const UvLoop&) = delete;

  uv_loop_t* uv() { return &uv_; }
  int run() override;
  void stop() override;
  // SIGTERM/SIGINT call this before stopping the loop.
  void on_stop_signal(std::function<void(int)> cb) { on_signal_ = std::move(cb); }

 private:
  UvLoop() = default;
  void signalled(int signum);

  uv_loop_t uv_{};
  bool initialized_ = false;
  std::unique_ptr<StopSignals> signals_;
  int stop_signal_ = 0;
  std::function<void(int)> on_signal_;
};

}  // namespace p2psip::runtime
