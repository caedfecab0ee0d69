// VerifyWorker: the Node's signature checks on a second thread, results on the loop in order.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "../link/link_test_support.h"
#include "overlay/peer/verify_worker.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;

TEST_CASE("VerifyWorker: checks run off the loop thread, results come back on it in order") {
  link::test::Loop loop;
  const auto loop_thread = std::this_thread::get_id();
  std::vector<std::uint64_t> order;
  std::vector<std::optional<NodeId>> results;
  bool on_loop = true;
  std::atomic<int> on_worker{0};
  {
    VerifyWorker worker(loop.get(), [&](std::uint64_t id, std::optional<NodeId> signer) {
      on_loop = on_loop && std::this_thread::get_id() == loop_thread;
      order.push_back(id);
      results.push_back(signer);
    });
    constexpr std::uint64_t kChecks = 200;
    for (std::uint64_t i = 1; i <= kChecks; ++i) {
      worker.submit(i, std::make_shared<const SignatureCheck>([&, i]() -> std::optional<NodeId> {
        if (std::this_thread::get_id() != loop_thread) ++on_worker;
        if (i % 3 == 0) return std::nullopt;
        return peer::test::id(i);
      }));
    }
    REQUIRE(loop.run_until([&] { return order.size() == kChecks; }));
    CHECK(on_worker == static_cast<int>(kChecks));
    CHECK(on_loop);
    for (std::uint64_t i = 1; i <= kChecks; ++i) {
      CHECK(order[i - 1] == i);
      CHECK(results[i - 1] == (i % 3 == 0 ? std::nullopt : std::optional<NodeId>(peer::test::id(i))));
    }
    // Destroyed with checks still queued: it stops after the one it runs, reports none later.
    for (std::uint64_t i = 1; i <= 50; ++i) {
      worker.submit(1000 + i, std::make_shared<const SignatureCheck>(
                                  []() -> std::optional<NodeId> { return std::nullopt; }));
    }
  }
  std::size_t reported = order.size();
  loop.drain();
  CHECK(order.size() == reported);
}
