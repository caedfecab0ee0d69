#pragma once
// Event-loop lag, one of the overload guard's signals (gateway/sip/overload.h): a Sofia timer
// due every `period` measures how late it fires. lag() is the mean lateness of the last 8
// ticks: a loop that stays behind, not one stall (a process descheduled once on a busy host
// must not make the gateway refuse calls). Loop thread.

#include <sofia-sip/su_wait.h>

#include <array>
#include <functional>

#include "common/clock.h"
#include "gateway/sip/sofia_handles.h"

namespace p2psip::runtime {

class LoopLagProbe {
 public:
  // `on_tick` gets the lag after every tick (for the gauge). The timer starts at once.
  LoopLagProbe(su_root_t* root, const Clock& clock, Millis period,
               std::function<void(Millis)> on_tick);
  LoopLagProbe(const LoopLagProbe&) = delete;
  LoopLagProbe& operator=(const LoopLagProbe&) = delete;

  Millis lag() const;

 private:
  static void on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);
  void tick();
  void arm();

  const Clock& clock_;
  Millis period_;
  std::function<void(Millis)> on_tick_;
  sip::sofia::Timer timer_;
  Millis due_{0};
  std::array<Millis, 8> recent_{};  // lateness of the last ticks
  std::size_t next_ = 0;
};

}  // namespace p2psip::runtime
