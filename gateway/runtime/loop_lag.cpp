#include "gateway/runtime/loop_lag.h"

#include <algorithm>
#include <numeric>

namespace p2psip::runtime {

LoopLagProbe::LoopLagProbe(su_root_t* root, const Clock& clock, Millis period,
                           std::function<void(Millis)> on_tick)
    : clock_(clock), period_(std::max(period, Millis{1})), on_tick_(std::move(on_tick)) {
  timer_ = sip::sofia::make_timer(root, static_cast<unsigned>(period_.count()));
  if (timer_) arm();
}

void LoopLagProbe::arm() {
  due_ = clock_.monotonic() + period_;
  su_timer_set_interval(timer_.get(), &LoopLagProbe::on_timer, reinterpret_cast<su_timer_arg_t*>(this),
                        static_cast<su_duration_t>(period_.count()));
}

void LoopLagProbe::on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  reinterpret_cast<LoopLagProbe*>(arg)->tick();
}

void LoopLagProbe::tick() {
  Millis late = std::max(Millis{0}, clock_.monotonic() - due_);
  recent_[next_] = late;
  next_ = (next_ + 1) % recent_.size();
  arm();
  if (on_tick_) on_tick_(lag());
}

Millis LoopLagProbe::lag() const {
  Millis sum{0};
  for (Millis m : recent_) sum += m;
  return sum / static_cast<long>(recent_.size());
}

}  // namespace p2psip::runtime
