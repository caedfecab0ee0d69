#pragma once
// The gateway's SIGTERM drain (issue 19) and the loop heartbeat behind /livez.
//
// SIGTERM: the gateway is not ready from that moment (/readyz and OPTIONS to it answer 503,
// so a dispatcher probing with OPTIONS stops sending here), new out-of-dialog requests get 503
// with Retry-After (local_answer.h), and transactions in flight and in-dialog requests are
// served for at most `drain_grace`; then the process leaves the overlay and exits 0. A second
// SIGTERM or SIGINT ends the drain at once. SIGINT (an operator's Ctrl-C) does not drain.
// The drain ends early once nothing is in flight: no proxy transaction and no call through
// the gateway's Record-Route (per Call-ID, quiet calls not waited for: gateway/sip/dialog_count.h).

#include <spdlog/logger.h>
#include <uv.h>

#include <cstddef>
#include <functional>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "metrics/health.h"

namespace p2psip::runtime {

class LoopControl;

// Pure: where a drain stands after `elapsed` of `grace`.
enum class DrainState { kDraining, kQuiet, kGraceOver };
DrainState drain_state(Millis elapsed, Millis grace, std::size_t in_flight);

class Drain {
 public:
  struct Plan {
    Millis grace{0};  // 0: no drain
    std::function<std::size_t()> in_flight;  // SIP transactions and calls in flight
  };
  // Everything handed in must outlive the Drain.
  Drain(LoopControl& loop, uv_loop_t* uv, const Clock& clock, metrics::HealthState& health,
        Plan plan, spdlog::logger& log);
  ~Drain();
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  // From the loop's stop-signal hook (the loop stops after it). The first signal makes the
  // process not ready; true when it starts a drain (run() then serves it). A signal during the
  // drain ends it: the loop's stop ends run().
  bool signalled(int signum);
  // After the loop stopped for the first signal: runs it again until the drain ends.
  void run();

 private:
  void check();

  LoopControl& loop_;
  const Clock& clock_;
  metrics::HealthState& health_;
  Plan plan_;
  spdlog::logger& log_;
  uv::Timer timer_;
  bool pending_ = false;  // a drain was asked for and has not run yet
  bool running_ = false;
  bool ended_ = false;  // check() ended the drain (not a signal)
  Millis started_{0};
};

// Ticks HealthState::beat() on the loop every kLoopBeatPeriod: /livez answers 503 once the
// loop stops ticking (metrics/health.h).
class LoopBeat {
 public:
  LoopBeat(uv_loop_t* uv, metrics::HealthState& health);

 private:
  uv::Timer timer_;
};

}  // namespace p2psip::runtime
