// The SIGTERM drain (gateway/runtime/drain.h): the pure decision, and the Drain on a real uv
// loop with a clock moved by hand (no waiting on the wall clock).
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <csignal>

#include "gateway/runtime/drain.h"
#include "gateway/runtime/uv_loop.h"

using namespace p2psip;
using namespace p2psip::runtime;

TEST_CASE("drain_state: the grace period ends it, or nothing left in flight") {
  Millis grace{10'000};
  CHECK(drain_state(Millis{0}, grace, 3) == DrainState::kDraining);
  CHECK(drain_state(Millis{9'999}, grace, 1) == DrainState::kDraining);
  CHECK(drain_state(Millis{10'000}, grace, 3) == DrainState::kGraceOver);
  CHECK(drain_state(Millis{1}, grace, 0) == DrainState::kQuiet);
}

namespace {

struct Fixture {
  std::unique_ptr<UvLoop> loop = std::move(UvLoop::create()).value();
  ManualClock clock;
  metrics::HealthState health;
  spdlog::logger log{"drain-test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  std::size_t in_flight = 2;
  int checks = 0;

  std::unique_ptr<Drain> make(Millis grace) {
    Drain::Plan plan{grace, [this] {
                       ++checks;
                       clock.advance(Millis{1000});  // each check one second later
                       return in_flight;
                     }};
    return std::make_unique<Drain>(*loop, loop->uv(), clock, health, std::move(plan), log);
  }
};

}  // namespace

TEST_CASE("SIGTERM: not ready at once, then the loop runs until the grace period is over") {
  Fixture f;
  auto drain = f.make(Millis{5000});
  CHECK(drain->signalled(SIGTERM));
  CHECK(f.health.draining);
  drain->run();
  // One in_flight() for the start line, then one per check until 5 s have passed.
  CHECK(f.checks >= 5);
  CHECK(f.clock.monotonic() >= Millis{5000});
  drain->run();  // once only
}

TEST_CASE("the drain ends once nothing is in flight") {
  Fixture f;
  f.in_flight = 0;
  auto drain = f.make(Millis{60'000});
  CHECK(drain->signalled(SIGTERM));
  drain->run();
  CHECK(f.clock.monotonic() < Millis{60'000});
}

TEST_CASE("no drain: drain_grace 0, SIGINT, or a second signal before it ran") {
  for (auto [grace, sig] : {std::pair{Millis{0}, SIGTERM}, std::pair{Millis{5000}, SIGINT}}) {
    Fixture f;
    auto drain = f.make(grace);
    CHECK_FALSE(drain->signalled(sig));
    CHECK(f.health.draining);  // not ready all the same
    drain->run();              // returns at once
    CHECK(f.checks == 0);
  }
  Fixture f;
  auto drain = f.make(Millis{5000});
  CHECK(drain->signalled(SIGTERM));
  CHECK_FALSE(drain->signalled(SIGTERM));
  drain->run();
  CHECK(f.checks == 0);
}

TEST_CASE("LoopBeat ticks the health state's heartbeat on the loop") {
  Fixture f;
  LoopBeat beat(f.loop->uv(), f.health);
  CHECK(f.health.loop_watched);
  f.health.loop_beat_ms = 0;  // as if the loop had stalled since boot
  uv::Timer poll(f.loop->uv());
  int polls = 0;
  poll.start(50, 50, [&] {
    // A bound (10 s), not a threshold: the beat comes after kLoopBeatPeriod.
    if (f.health.loop_beat_ms.load() != 0 || ++polls > 200) f.loop->stop();
  });
  f.loop->run();
  CHECK(f.health.loop_beat_ms.load() != 0);
}
