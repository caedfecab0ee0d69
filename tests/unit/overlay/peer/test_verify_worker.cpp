// VerifyWorker: the Node's signature checks on a second thread, results on the loop in order.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
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

namespace {

std::shared_ptr<const AnswerToRequest> answer_with_txid(std::uint64_t txid) {
  auto a = std::make_shared<AnswerToRequest>();
  a->target = wire::Destination::node(peer::test::id(7));
  a->message.header.transaction_id = txid;
  return a;
}

}  // namespace

TEST_CASE("VerifyWorker: after_verified runs on the worker, for verified answers, before done") {
  link::test::Loop loop;
  const auto loop_thread = std::this_thread::get_id();
  std::mutex m;
  std::vector<std::uint64_t> hooked;  // transaction ids the hook saw (under m)
  bool hook_off_loop = true;
  std::vector<std::uint64_t> done_order;
  bool hook_before_done = true;
  VerifyWorker worker(
      loop.get(),
      [&](std::uint64_t id, std::optional<NodeId>) {
        std::lock_guard lock(m);
        // Job i carries transaction id 100 + i; a verified one was hooked before this.
        bool hooked_i = std::find(hooked.begin(), hooked.end(), 100 + id) != hooked.end();
        if (id % 2 == 1 && id % 3 != 0) hook_before_done = hook_before_done && hooked_i;
        done_order.push_back(id);
      },
      [&](const AnswerToRequest& a) {
        std::lock_guard lock(m);
        hook_off_loop = hook_off_loop && std::this_thread::get_id() != loop_thread;
        hooked.push_back(a.message.header.transaction_id);
      });
  // Odd ids carry an answer; every third check fails.
  for (std::uint64_t i = 1; i <= 30; ++i) {
    worker.submit(i,
                  std::make_shared<const SignatureCheck>([i]() -> std::optional<NodeId> {
                    if (i % 3 == 0) return std::nullopt;
                    return peer::test::id(i);
                  }),
                  i % 2 == 1 ? answer_with_txid(100 + i) : nullptr);
  }
  REQUIRE(loop.run_until([&] {
    std::lock_guard lock(m);
    return done_order.size() == 30;
  }));
  std::lock_guard lock(m);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 30; ++i) {
    if (i % 2 == 1 && i % 3 != 0) expected.push_back(100 + i);
  }
  CHECK(hooked == expected);  // not for failed checks, not for jobs without an answer
  CHECK(hook_off_loop);
  CHECK(hook_before_done);
}

TEST_CASE("VerifyWorker: without after_verified, jobs with answers report as before") {
  link::test::Loop loop;
  std::vector<std::pair<std::uint64_t, std::optional<NodeId>>> results;
  VerifyWorker worker(loop.get(), [&](std::uint64_t id, std::optional<NodeId> signer) {
    results.emplace_back(id, signer);
  });
  worker.submit(1, std::make_shared<const SignatureCheck>([]() -> std::optional<NodeId> {
                  return peer::test::id(1);
                }),
                answer_with_txid(101));
  worker.submit(2, std::make_shared<const SignatureCheck>(
                       []() -> std::optional<NodeId> { return std::nullopt; }),
                answer_with_txid(102));
  REQUIRE(loop.run_until([&] { return results.size() == 2; }));
  CHECK(results[0] == std::pair{std::uint64_t{1}, std::optional<NodeId>(peer::test::id(1))});
  CHECK(results[1] == std::pair{std::uint64_t{2}, std::optional<NodeId>()});
}

TEST_CASE("VerifyWorker: an after_verified that throws does not stop the worker") {
  link::test::Loop loop;
  std::vector<std::uint64_t> done;
  VerifyWorker worker(
      loop.get(), [&](std::uint64_t id, std::optional<NodeId>) { done.push_back(id); },
      [](const AnswerToRequest&) { throw std::runtime_error("warming failed"); });
  for (std::uint64_t i = 1; i <= 3; ++i) {
    worker.submit(i, std::make_shared<const SignatureCheck>([i]() -> std::optional<NodeId> {
                    return peer::test::id(i);
                  }),
                  answer_with_txid(100 + i));
  }
  REQUIRE(loop.run_until([&] { return done.size() == 3; }));
  CHECK(done == std::vector<std::uint64_t>{1, 2, 3});
}
