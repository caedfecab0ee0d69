// Crossing threads for the SIP workers (gateway/runtime/sip_workers.h): tasks posted to a loop's
// inbox from another thread run on the loop's thread in order; a closed inbox refuses posts
// and drops what it held; the overlay bridge answers a worker's lookup on the worker's loop;
// the config of worker k.
#include <doctest/doctest.h>

#include <sofia-sip/su_wait.h>

#include <thread>
#include <vector>

#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/loop_inbox.h"
#include "gateway/runtime/overlay_bridge.h"
#include "gateway/runtime/sip_workers.h"

using namespace p2psip;
using namespace p2psip::runtime;

namespace {

// Ends loop.run() after 10 s if the test's own stop never comes (a bound, not a threshold).
sip::sofia::Timer guard(EventLoop& loop) {
  auto t = sip::sofia::make_timer(loop.su_root(), 1);
  REQUIRE(t);
  su_timer_set_interval(t.get(), [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
    reinterpret_cast<EventLoop*>(arg)->stop();
  }, reinterpret_cast<su_timer_arg_t*>(&loop), 10000);
  return t;
}

}  // namespace

TEST_CASE("tasks posted from another thread run on the loop's thread, in the order posted") {
  SofiaLibrary sofia;
  auto created = EventLoop::create(false);
  REQUIRE(created.has_value());
  EventLoop& loop = **created;
  auto inbox = LoopInbox::create(loop.uv());
  auto bound = guard(loop);
  std::vector<int> ran;
  bool other_thread = false;
  const auto loop_thread = std::this_thread::get_id();
  std::thread poster([&] {
    for (int i = 0; i < 200; ++i) {
      CHECK(inbox->post([&, i] {
        if (std::this_thread::get_id() != loop_thread) other_thread = true;
        ran.push_back(i);
      }));
    }
    inbox->post([&loop] { loop.stop(); });
  });
  loop.run();
  poster.join();
  REQUIRE(ran.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(ran[static_cast<std::size_t>(i)] == i);
  CHECK_FALSE(other_thread);
  inbox->close();
}

TEST_CASE("a closed inbox refuses posts and drops the tasks it held") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  auto inbox = LoopInbox::create(&loop);
  int ran = 0;
  CHECK(inbox->post([&] { ++ran; }));
  CHECK(inbox->queued() == 1);
  inbox->close();
  CHECK(inbox->closed());
  CHECK(inbox->queued() == 0);
  CHECK_FALSE(inbox->post([&] { ++ran; }));
  uv_run(&loop, UV_RUN_DEFAULT);  // nothing alive: returns once the handle closed
  CHECK(ran == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a task that closes its inbox ends the batch it came in") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  auto inbox = LoopInbox::create(&loop);
  int ran = 0;
  inbox->post([&] {
    ++ran;
    inbox->close();
  });
  inbox->post([&] { ++ran; });
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(ran == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a worker's lookup through the bridge is answered on the worker's loop") {
  SofiaLibrary sofia;
  auto main_created = EventLoop::create(false);
  REQUIRE(main_created.has_value());
  EventLoop& main_loop = **main_created;
  auto main_inbox = LoopInbox::create(main_loop.uv());
  OverlayBridge bridge(main_loop.uv());  // no node attached: "not running"
  CHECK_FALSE(bridge.joined());
  CHECK_FALSE(bridge.linked_to("127.0.0.1"));
  std::string answer;
  bool on_worker = false;
  std::thread worker([&] {
    auto worker_created = EventLoop::create(false);  // a loop belongs to the thread it runs on
    REQUIRE(worker_created.has_value());
    EventLoop& worker_loop = **worker_created;
    auto bound = guard(worker_loop);
    auto inbox = LoopInbox::create(worker_loop.uv());
    const auto worker_thread = std::this_thread::get_id();
    bridge.lookup("alice@example.org", inbox,
                  [&](Expected<overlay::Resolution, overlay::Failure> r) {
                    on_worker = std::this_thread::get_id() == worker_thread;
                    answer = r ? "found" : r.error().name;
                    worker_loop.stop();
                  });
    worker_loop.run();
    inbox->close();
    main_inbox->post([&main_loop] { main_loop.stop(); });
  });
  auto bound = guard(main_loop);
  main_loop.run();
  worker.join();
  main_inbox->close();
  CHECK(answer == "Timeout");
  CHECK(on_worker);
}

TEST_CASE("IP literals compare in one spelling") {
  CHECK(normal_ip("127.0.0.1") == "127.0.0.1");
  CHECK(normal_ip("0::1") == "::1");
  CHECK(normal_ip("[::1]") == "::1");
  CHECK(normal_ip("2001:DB8::0:1") == "2001:db8::1");
  CHECK(normal_ip("example.org").empty());
  CHECK(normal_ip("").empty());
}

TEST_CASE("worker k listens and is advertised at the ports + k, without TLS and phones") {
  config::GatewayConfig c;
  c.sip_listen = {"127.0.0.1", 5060, false};
  c.sip_advertise = config::HostPort{"sip.example.org", 5080, false};
  c.sip_tls_listen = config::HostPort{"127.0.0.1", 5061, false};
  c.phones_file = "/etc/phones";
  c.sip_workers = 3;
  auto w2 = worker_config(c, 2);
  REQUIRE(w2.has_value());
  CHECK(w2->sip_listen.port == 5062);
  CHECK(w2->sip_listen.host == "127.0.0.1");
  CHECK(w2->sip_advertise->port == 5082);
  CHECK_FALSE(w2->sip_tls_listen.has_value());
  CHECK(w2->phones_file.empty());

  c.sip_listen.port = 65534;
  CHECK(worker_config(c, 1).has_value());
  auto over = worker_config(c, 2);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().find("65535") != std::string::npos);
  c.sip_listen.port = 0;
  REQUIRE_FALSE(worker_config(c, 1).has_value());
  CHECK(worker_config(c, 1).error().find("sip_listen port") != std::string::npos);
}
