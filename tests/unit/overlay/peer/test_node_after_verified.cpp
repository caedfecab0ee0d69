// Node::set_after_verified: with verify_on_worker, the hook sees each answer to the node's own
// send_requests on the worker thread, after its signature verified and before the request's
// callback runs on the loop (issue 18: the usage layer warms its memos there).
#include <doctest/doctest.h>

#include <mutex>
#include <thread>

#include "node_test_support.h"
#include "overlay/wire/bodies.h"

using namespace p2psip;
using namespace p2psip::link::test;

namespace {

struct Seen {
  std::mutex m;
  std::vector<peer::AnswerToRequest> answers;
  bool off_loop = true;
};

std::unique_ptr<peer::Node> node_with_hook(Loop& loop, const Clock& clock, unsigned char fill,
                                           std::vector<wire::IpAddressPort> bootstrap,
                                           Seen* seen, bool on_worker = true) {
  auto creds = issue(overlay_ca(), fill);
  peer::NodeConfig cfg;
  cfg.overlay = kOverlay;
  cfg.bootstrap = std::move(bootstrap);
  cfg.verify_on_worker = on_worker;
  auto node = peer::Node::create(
      loop.get(), std::move(cfg),
      peer::NodeCredentials{std::move(creds.certificate), std::move(creds.key), {overlay_ca().root()}},
      clock);
  REQUIRE(node);
  if (seen) {
    const auto loop_thread = std::this_thread::get_id();
    (*node)->set_after_verified([seen, loop_thread](const peer::AnswerToRequest& a) {
      std::lock_guard lock(seen->m);
      seen->off_loop = seen->off_loop && std::this_thread::get_id() != loop_thread;
      seen->answers.push_back(a);
    });
  }
  REQUIRE((*node)->start());
  return std::move(node).value();
}

// b Pings a by Node-ID; returns whether the Ping was answered, and how many answers the hook
// had seen when the callback ran.
std::pair<bool, std::size_t> ping(Loop& loop, peer::Node& from, const peer::NodeId& to, Seen& seen) {
  std::optional<std::size_t> seen_at_callback;
  bool answered = false;
  from.send_request(wire::Destination::node(to), wire::MessageCode::kPingReq,
                    *wire::encode_to_bytes(wire::PingReq{}), [&](const peer::RequestResult& r) {
                      answered = r.outcome == peer::RequestResult::Outcome::kAnswer;
                      std::lock_guard lock(seen.m);
                      seen_at_callback = seen.answers.size();
                    });
  REQUIRE(loop.run_until([&] { return seen_at_callback.has_value(); }));
  return {answered, *seen_at_callback};
}

std::size_t ping_answers_to(Seen& seen, const peer::NodeId& to) {
  std::lock_guard lock(seen.m);
  std::size_t n = 0;
  for (const auto& a : seen.answers) {
    if (a.target == wire::Destination::node(to) &&
        a.message.contents.code() == wire::MessageCode::kPingAns) {
      ++n;
    }
  }
  return n;
}

// a (no hook) and b (hook into `seen`) joined; b Pings a.
std::pair<bool, std::size_t> joined_pair_ping(Seen& seen, bool on_worker, peer::NodeId& a_id) {
  Loop loop;
  SystemClock clock;
  auto a = node_with_hook(loop, clock, 0x40, {}, nullptr);
  auto a_addr = *peer::make_address("127.0.0.1", a->snapshot().listen_port);
  auto b = node_with_hook(loop, clock, 0x80, {a_addr}, &seen, on_worker);
  REQUIRE(loop.run_until([&] { return b->state() == peer::PeerState::kJoined; }));
  a_id = a->node_id();
  return ping(loop, *b, a_id, seen);
}

}  // namespace

TEST_CASE("Node::set_after_verified: answers to our requests reach the hook on the worker first") {
  Seen seen;
  peer::NodeId a;
  auto [answered, at_callback] = joined_pair_ping(seen, true, a);
  CHECK(answered);
  CHECK(ping_answers_to(seen, a) == 1);
  CHECK(at_callback >= 1);  // the hook ran before the loop delivered the answer
  std::lock_guard lock(seen.m);
  CHECK(seen.off_loop);
}

TEST_CASE("Node::set_after_verified: ignored without verify_on_worker") {
  Seen seen;
  peer::NodeId a;
  auto [answered, at_callback] = joined_pair_ping(seen, false, a);
  CHECK(answered);
  CHECK(at_callback == 0);
  CHECK(ping_answers_to(seen, a) == 0);
}
