#include "gateway/runtime/drain.h"

#include <csignal>

#include "gateway/runtime/uv_loop.h"

namespace p2psip::runtime {

namespace {

constexpr Millis kCheckEvery{100};

double seconds(Millis m) { return static_cast<double>(m.count()) / 1000.0; }

}  // namespace

DrainState drain_state(Millis elapsed, Millis grace, std::size_t in_flight) {
  if (elapsed >= grace) return DrainState::kGraceOver;
  if (in_flight == 0) return DrainState::kQuiet;
  return DrainState::kDraining;
}

Drain::Drain(LoopControl& loop, uv_loop_t* uv, const Clock& clock, metrics::HealthState& health,
             Plan plan, spdlog::logger& log)
    : loop_(loop), clock_(clock), health_(health), plan_(std::move(plan)), log_(log), timer_(uv) {}

Drain::~Drain() = default;

bool Drain::signalled(int signum) {
  const char* name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
  if (running_) {
    log_.info("received {} during the drain: ending it now ({} transaction(s) and call(s) in flight)", name,
              plan_.in_flight());
    return false;
  }
  bool first = !health_.draining.exchange(true);  // not ready from now on (/readyz, OPTIONS)
  // A second signal before the drain ran (both in one loop turn) cancels it.
  pending_ = first && signum == SIGTERM && plan_.grace.count() > 0;
  if (pending_) {
    log_.info("received SIGTERM, shutting down: not ready from now on (OPTIONS and /readyz "
              "answer 503), draining for up to {} s", plan_.grace.count() / 1000);
  } else {
    log_.info("received {}, shutting down", name);
  }
  return pending_;
}

void Drain::run() {
  if (!pending_) return;
  pending_ = false;
  running_ = true;
  ended_ = false;
  started_ = clock_.monotonic();
  log_.info("drain started: {} transaction(s) and call(s) in flight; new out-of-dialog "
            "requests get 503; it ends when none is left", plan_.in_flight());
  timer_.start(kCheckEvery.count(), kCheckEvery.count(), [this] { check(); });
  loop_.run();  // until check() ends it or a second signal stops the loop
  timer_.stop();
  running_ = false;
  if (!ended_) {
    log_.info("drain ended by a signal after {:.1f} s", seconds(clock_.monotonic() - started_));
  }
}

void Drain::check() {
  Millis elapsed = clock_.monotonic() - started_;
  std::size_t in_flight = plan_.in_flight();
  DrainState state = drain_state(elapsed, plan_.grace, in_flight);
  if (state == DrainState::kDraining) return;
  ended_ = true;
  if (state == DrainState::kQuiet) {
    log_.info("drain ended after {:.1f} s: nothing in flight", seconds(elapsed));
  } else {
    log_.info("drain ended after {:.1f} s: grace period over, {} transaction(s) and call(s) still in "
              "flight",
              seconds(elapsed), in_flight);
  }
  timer_.stop();
  loop_.stop();
}

LoopBeat::LoopBeat(uv_loop_t* uv, metrics::HealthState& health) : timer_(uv) {
  health.beat();
  health.loop_watched = true;
  timer_.start(metrics::kLoopBeatPeriod.count(), metrics::kLoopBeatPeriod.count(),
               [&health] { health.beat(); });
}

}  // namespace p2psip::runtime
