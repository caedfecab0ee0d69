// The su_root + libuv loop (gateway/runtime/event_loop.h): uv runs in Sofia's prepoll hook only
// when it has work only uv_run does, and uv work started from a Sofia fd callback (a SIP
// message starting an overlay lookup or a c-ares query) still runs before Sofia sleeps.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sofia-sip/su_wait.h>

#include "gateway/runtime/event_loop.h"

using namespace p2psip;
using namespace p2psip::runtime;

namespace {

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() {
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0);
    REQUIRE(write(fd[1], "x", 1) == 1);  // fd[0] is readable from the start
  }
  ~SocketPair() {
    close(fd[0]);
    close(fd[1]);
  }
};

// One Sofia fd callback (on `sofia_side`) starts a uv watch on `uv_side`; the uv callback stops
// the loop. A Sofia timer ends the run if the watch never fires (a bound, not a threshold).
struct WatchFromSofia {
  EventLoop* loop = nullptr;
  uv_poll_t poll{};
  su_wait_t wait{};
  int wait_index = -1;
  bool uv_fired = false;

  static int on_sofia_readable(su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
    auto* self = reinterpret_cast<WatchFromSofia*>(arg);
    su_root_deregister(self->loop->su_root(), self->wait_index);  // once
    uv_poll_start(&self->poll, UV_READABLE, [](uv_poll_t* p, int, int) {
      auto* watch = static_cast<WatchFromSofia*>(p->data);
      watch->uv_fired = true;
      uv_poll_stop(p);
      watch->loop->stop();
    });
    return 0;
  }
};

}  // namespace

TEST_CASE("uv needs a run for a watcher started since its last poll, not after it") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  SocketPair s;
  uv_poll_t poll;
  REQUIRE(uv_poll_init(&loop, &poll, s.fd[0]) == 0);
  CHECK_FALSE(uv_needs_run(&loop));  // nothing alive
  REQUIRE(uv_poll_start(&poll, UV_READABLE, [](uv_poll_t*, int, int) {}) == 0);
  CHECK(uv_needs_run(&loop));  // not yet registered with epoll
  uv_run(&loop, UV_RUN_NOWAIT);  // registers it (and runs its callback: readable)
  CHECK_FALSE(uv_needs_run(&loop));  // watched, nothing due, nothing pending: uv can wait
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a socket watched from inside a Sofia fd callback wakes uv before Sofia sleeps") {
  SofiaLibrary sofia;
  auto created = EventLoop::create();
  REQUIRE(created.has_value());
  EventLoop& loop = **created;
  SocketPair sofia_side, uv_side;
  WatchFromSofia watch;
  watch.loop = &loop;
  REQUIRE(uv_poll_init(loop.uv(), &watch.poll, uv_side.fd[0]) == 0);
  watch.poll.data = &watch;
  REQUIRE(su_wait_create(&watch.wait, sofia_side.fd[0], SU_WAIT_IN) == 0);
  watch.wait_index = su_root_register(loop.su_root(), &watch.wait, &WatchFromSofia::on_sofia_readable,
                                      reinterpret_cast<su_wakeup_arg_t*>(&watch), su_pri_normal);
  REQUIRE(watch.wait_index >= 0);
  auto guard = sip::sofia::make_timer(loop.su_root(), 1);
  REQUIRE(guard);
  su_timer_set_interval(guard.get(), [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
    reinterpret_cast<EventLoop*>(arg)->stop();
  }, reinterpret_cast<su_timer_arg_t*>(&loop), 10000);
  loop.run();
  CHECK(watch.uv_fired);
  uv_close(reinterpret_cast<uv_handle_t*>(&watch.poll), nullptr);
  uv_run(loop.uv(), UV_RUN_NOWAIT);  // the close completes while `watch` lives
}

TEST_CASE("Sofia's clock reads whole milliseconds while the library is initialised") {
  SofiaLibrary sofia;
  for (int i = 0; i < 50; ++i) {
    su_time_t t = su_now();
    CHECK(t.tv_usec % 1000 == 0);
    CHECK(t.tv_usec < 1'000'000);
  }
}

namespace {

struct Ticks {
  EventLoop* loop = nullptr;
  int left = 0;
};

}  // namespace

// Sofia truncates the time to its next timer to whole milliseconds: on a sub-millisecond clock
// it polls with timeout 0 over and over for the last fraction of a millisecond before each
// timer. With the whole-millisecond clock each timer costs a few loop iterations, not hundreds.
TEST_CASE("Sofia sleeps until its timers: a few loop iterations per timer, no spin") {
  SofiaLibrary sofia;
  auto created = EventLoop::create();
  REQUIRE(created.has_value());
  EventLoop& loop = **created;
  constexpr int kTimers = 40;
  Ticks ticks{&loop, kTimers};
  auto timer = sip::sofia::make_timer(loop.su_root(), 3);
  REQUIRE(timer);
  // Periodic, every 3 ms (the timer's default duration), until kTimers have fired.
  su_timer_run(timer.get(), [](su_root_magic_t*, su_timer_t* t, su_timer_arg_t* arg) {
    auto* state = reinterpret_cast<Ticks*>(arg);
    if (--state->left > 0) return;
    su_timer_reset(t);
    state->loop->stop();
  }, reinterpret_cast<su_timer_arg_t*>(&ticks));
  loop.run();
  CHECK(ticks.left == 0);
  MESSAGE("Sofia loop iterations for ", kTimers, " timers: ", loop.iterations());
  // ~1 iteration per timer here (37-41 measured, loaded or not); the spin this guards against
  // made 69,400. The bound is wide because it failed once, unexplained, on a machine under
  // heavy load (two helpers saw it): a count, not a time, but a wake is up to the kernel.
  CHECK(loop.iterations() < 100 * kTimers);
}
