// common/uv_handle.h, the one libuv handle helper: close_and_delete frees a heap handle in its
// close callback and detaches its owner; uv::Timer runs its callback, repeats, stops, replaces
// its callback, may be destroyed from inside that callback, and never fires once destroyed.
// Every case ends with uv_loop_close() == 0: no handle is left open.
#include <doctest/doctest.h>

#include <memory>

#include "common/uv_handle.h"

using namespace p2psip;

namespace {

struct Loop {
  uv_loop_t loop{};
  Loop() { REQUIRE(uv_loop_init(&loop) == 0); }
  ~Loop() {
    uv_run(&loop, UV_RUN_DEFAULT);  // the close callbacks
    CHECK(uv_loop_close(&loop) == 0);
  }
  uv_loop_t* get() { return &loop; }
  // Runs until pred() holds; a bound on iterations, not on time.
  template <class Pred>
  bool run_until(Pred pred, int max_iterations = 10'000) {
    for (int i = 0; i < max_iterations && !pred(); ++i) uv_run(&loop, UV_RUN_ONCE);
    return pred();
  }
};

}  // namespace

TEST_CASE("uv::close_and_delete detaches the owner, closes once, frees in the close callback") {
  Loop loop;
  auto* idle = new uv_idle_t{};
  REQUIRE(uv_idle_init(loop.get(), idle) == 0);
  int owner = 0;
  idle->data = &owner;
  uv::close_and_delete(idle);
  CHECK(idle->data == nullptr);
  CHECK(uv_is_closing(uv::as_handle(idle)) != 0);
  uv::close_and_delete(idle);  // already closing: no second uv_close (libuv would abort)
  uv::close_and_delete(static_cast<uv_idle_t*>(nullptr));
  // ~Loop: the close callback deletes it and the loop closes.
}

TEST_CASE("uv::Timer fires once, repeats, stops") {
  Loop loop;
  uv::Timer once(loop.get());
  int fired = 0;
  CHECK_FALSE(once.active());
  once.start(0, 0, [&] { ++fired; });
  CHECK(once.active());
  REQUIRE(loop.run_until([&] { return fired == 1; }));
  CHECK_FALSE(once.active());

  uv::Timer repeating(loop.get());
  int ticks = 0;
  repeating.start(1, 1, [&] {
    if (++ticks == 3) repeating.stop();
  });
  REQUIRE(loop.run_until([&] { return ticks == 3; }));
  CHECK_FALSE(repeating.active());
  uv_run(loop.get(), UV_RUN_NOWAIT);
  CHECK(ticks == 3);
}

TEST_CASE("uv::Timer: start() replaces the callback; due_in counts down from the timeout") {
  Loop loop;
  uv::Timer t(loop.get());
  int first = 0, second = 0;
  t.start(60'000, 0, [&] { ++first; });
  CHECK(t.due_in() > 0);
  CHECK(t.due_in() <= 60'000);
  t.start(0, 0, [&] { ++second; });
  REQUIRE(loop.run_until([&] { return second == 1; }));
  CHECK(first == 0);
}

TEST_CASE("uv::Timer may be destroyed inside its own callback, and never fires once destroyed") {
  Loop loop;
  auto self_destroying = std::make_unique<uv::Timer>(loop.get());
  bool ran = false;
  int seen = 0;
  const int marker = 7;
  // The callback reads its own state after the Timer (and its std::function) is gone: it runs
  // on a copy (ASan reports a use after free otherwise).
  self_destroying->start(0, 0, [&self_destroying, &ran, &seen, marker] {
    self_destroying.reset();
    seen = marker;
    ran = true;
  });
  REQUIRE(loop.run_until([&] { return ran; }));
  CHECK(self_destroying == nullptr);
  CHECK(seen == marker);

  int late = 0;
  auto gone = std::make_unique<uv::Timer>(loop.get());
  gone->start(0, 0, [&] { ++late; });
  gone.reset();  // due, but destroyed before the loop ran
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(late == 0);
}

TEST_CASE("uv::Timer::unref lets the loop end while it is pending") {
  Loop loop;
  uv::Timer t(loop.get());
  int fired = 0;
  t.start(60'000, 60'000, [&] { ++fired; });
  t.unref();
  CHECK(uv_run(loop.get(), UV_RUN_DEFAULT) == 0);  // returns at once: nothing else keeps it
  CHECK(fired == 0);
}
