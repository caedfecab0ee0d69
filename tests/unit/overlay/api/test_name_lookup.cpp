// The bootstrap name of a client session is looked up on the session's loop (uv_getaddrinfo
// on the thread pool), not by a blocking call: the loop runs its other work meanwhile.
#include <doctest/doctest.h>

#include "common/uv_handle.h"
#include "overlay/api/name_lookup.h"
#include "overlay/peer/node.h"

namespace p2psip::overlay {

namespace {

struct TestLoop {
  uv_loop_t loop{};
  TestLoop() { uv_loop_init(&loop); }
  ~TestLoop() {
    while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
    }
    CHECK(uv_loop_close(&loop) == 0);
  }
};

}  // namespace

TEST_CASE("client bootstrap: a name is looked up on the loop, which keeps running") {
  TestLoop l;
  bool ran = false;
  uv::Timer other(&l.loop);
  other.start(0, 0, [&] { ran = true; });  // due at once: runs only if the loop runs
  auto a = lookup_on_loop(&l.loop, Endpoint{"localhost", 6084}, Millis{10000});
  REQUIRE(a);
  CHECK(ran);  // a blocking getaddrinfo would have returned before the loop ran
  CHECK(a->port == 6084);
  std::string ip = peer::address_ip(*a);
  CHECK((ip.rfind("127.", 0) == 0 || ip == "::1"));
}

TEST_CASE("client bootstrap: an IP literal needs no lookup, a bad name is named") {
  TestLoop l;
  bool ran = false;
  uv::Timer other(&l.loop);
  other.start(0, 0, [&] { ran = true; });
  auto a = lookup_on_loop(&l.loop, Endpoint{"192.0.2.7", 5000}, Millis{10000});
  REQUIRE(a);
  CHECK(peer::address_ip(*a) == "192.0.2.7");
  CHECK_FALSE(ran);  // returned without running the loop

  auto bad = lookup_on_loop(&l.loop, Endpoint{"no-such-host.invalid", 1}, Millis{10000});
  REQUIRE_FALSE(bad);
  CHECK_FALSE(bad.error().timed_out);
  CHECK(bad.error().message.find("'no-such-host.invalid:1'") != std::string::npos);
}

}  // namespace p2psip::overlay
