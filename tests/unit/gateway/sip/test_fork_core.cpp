#include "gateway/sip/fork_core.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace p2psip;
using namespace p2psip::sip;
using Kind = ForkAction::Kind;

namespace {

constexpr Millis kT0{10'000};

const ForkAction* find(const ForkActions& actions, Kind kind, std::size_t branch = 0) {
  auto it = std::find_if(actions.begin(), actions.end(), [&](const ForkAction& a) {
    return a.kind == kind && (a.branch == branch || kind == Kind::reply || kind == Kind::finished);
  });
  return it == actions.end() ? nullptr : &*it;
}

bool has(const ForkActions& actions, Kind kind, std::size_t branch = 0) {
  return find(actions, kind, branch) != nullptr;
}

// The status (or target) of the action; -1 when there is none.
int status(const ForkActions& actions, Kind kind, std::size_t branch = 0) {
  const ForkAction* a = find(actions, kind, branch);
  return a ? a->status : -1;
}
long target(const ForkActions& actions, Kind kind, std::size_t branch = 0) {
  const ForkAction* a = find(actions, kind, branch);
  return a ? static_cast<long>(a->target) : -1;
}

// Nothing goes upstream in these actions.
bool silent_upstream(const ForkActions& actions) {
  return !std::any_of(actions.begin(), actions.end(), [](const ForkAction& a) {
    return a.kind == Kind::relay || a.kind == Kind::relay_best || a.kind == Kind::reply;
  });
}

// An INVITE forked to `n` contacts, each resolved to `targets` targets and sent to its first.
ForkCore sent(std::size_t n, bool parallel = true, std::size_t targets = 1, bool invite = true) {
  ForkCore core(invite, parallel, kT0);
  auto start = core.fork(n);
  for (std::size_t b = 0; b < n; ++b) {
    if (!has(start, Kind::resolve, b)) continue;
    auto a = core.resolved(b, targets, 503);
    REQUIRE(has(a, Kind::send, b));
  }
  return core;
}

}  // namespace

TEST_CASE("parallel forking: every branch starts, a 2xx goes up at once and cancels the other") {
  ForkCore core(true, true, kT0);
  auto start = core.fork(2);
  CHECK(has(start, Kind::resolve, 0));
  CHECK(has(start, Kind::resolve, 1));
  CHECK(target(core.resolved(0, 1, 503), Kind::send, 0) == 0);
  CHECK(has(core.resolved(1, 1, 503), Kind::send, 1));

  auto ringing = core.response(0, 180, false, kT0 + Millis{50});
  CHECK(status(ringing, Kind::relay, 0) == 180);
  CHECK(silent_upstream(core.response(0, 100, false, kT0)));  // 100 Trying stays hop by hop

  auto ok = core.response(1, 200, false, kT0 + Millis{300});
  CHECK(status(ok, Kind::relay, 1) == 200);
  const ForkAction* setup = find(ok, Kind::call_setup, 1);
  REQUIRE(setup != nullptr);
  CHECK(setup->elapsed == Millis{300});
  CHECK(has(ok, Kind::cancel, 0));
  CHECK_FALSE(has(ok, Kind::cancel, 1));
  CHECK(core.answered());
  CHECK_FALSE(core.finished());

  CHECK(silent_upstream(core.response(0, 180, false, kT0)));  // nothing more after the answer
  auto terminated = core.response(0, 487, false, kT0 + Millis{400});
  CHECK(silent_upstream(terminated));
  CHECK(has(terminated, Kind::finished));
  CHECK(core.finished());
}

TEST_CASE("a second 2xx of an INVITE goes up too; a non-INVITE relays its first 2xx only") {
  auto invite = sent(2);
  CHECK(has(invite.response(0, 200, false, kT0), Kind::relay, 0));
  auto second = invite.response(1, 200, false, kT0);
  CHECK(has(second, Kind::relay, 1));
  CHECK_FALSE(has(second, Kind::call_setup, 1));  // the call was set up once

  auto message = sent(2, true, 1, false);
  auto first = message.response(0, 200, false, kT0);
  CHECK(has(first, Kind::relay, 0));
  CHECK_FALSE(has(first, Kind::cancel, 1));  // nta cancels only INVITEs (RFC 3261 §9.1)
  CHECK_FALSE(has(first, Kind::call_setup, 0));
  CHECK(silent_upstream(message.response(1, 202, false, kT0)));
  CHECK(message.finished());
}

TEST_CASE("best response: the lowest class wins among 4xx and 5xx, the first branch in a class") {
  auto core = sent(3);
  CHECK(silent_upstream(core.response(0, 503, false, kT0)));  // not final for the request yet
  CHECK(silent_upstream(core.response(1, 486, false, kT0)));
  auto last = core.response(2, 404, false, kT0);
  const ForkAction* best = find(last, Kind::relay_best, 1);
  REQUIRE(best != nullptr);
  CHECK(best->status == 486);
  CHECK(best->challenges.empty());
  CHECK(has(last, Kind::finished));
}

TEST_CASE("best response: a 503 from downstream goes up as 500, answered by us") {
  auto core = sent(2);
  core.response(0, 503, false, kT0);
  auto last = core.response(1, 503, false, kT0);
  const ForkAction* reply = find(last, Kind::reply);
  REQUIRE(reply != nullptr);
  CHECK(reply->status == 500);  // RFC 3261 §16.7 step 6
  CHECK_FALSE(has(last, Kind::relay_best, 0));
}

TEST_CASE("best response: 401 and 407 go up as one, with the other branch's challenges") {
  auto core = sent(3);
  core.response(0, 407, false, kT0);
  core.response(1, 480, false, kT0);
  auto last = core.response(2, 401, false, kT0);
  const ForkAction* best = find(last, Kind::relay_best, 0);
  REQUIRE(best != nullptr);
  CHECK(best->status == 407);
  CHECK(best->challenges == std::vector<std::size_t>{2});
}

TEST_CASE("a 6xx cancels the pending branches and wins once they ended") {
  auto core = sent(3);
  core.response(1, 486, false, kT0);
  auto decline = core.response(0, 603, false, kT0);
  CHECK(has(decline, Kind::cancel, 2));
  CHECK_FALSE(has(decline, Kind::cancel, 1));  // already final
  CHECK(silent_upstream(decline));              // not forwarded before the others end
  auto last = core.response(2, 487, false, kT0);
  const ForkAction* best = find(last, Kind::relay_best, 0);
  REQUIRE(best != nullptr);
  CHECK(best->status == 603);
  CHECK(has(last, Kind::finished));
}

TEST_CASE("sequential forking: after a 6xx no further contact is tried (§16.7 step 5)") {
  auto core = sent(3, false);
  auto decline = core.response(0, 600, false, kT0);
  CHECK_FALSE(has(decline, Kind::resolve, 1));
  CHECK(status(decline, Kind::relay_best, 0) == 600);
  CHECK(core.finished());
}

TEST_CASE("an upstream CANCEL cancels the branches in flight and drops those resolving") {
  ForkCore core(true, true, kT0);
  core.fork(2);
  core.resolved(0, 1, 503);
  core.response(0, 180, false, kT0);
  auto cancel = core.cancel();
  CHECK(has(cancel, Kind::cancel, 0));
  CHECK(has(cancel, Kind::stop_resolving, 1));
  CHECK(silent_upstream(cancel));
  auto terminated = core.response(0, 487, false, kT0);
  CHECK(status(terminated, Kind::relay_best, 0) == 487);  // the downstream 487 goes up
  CHECK(has(terminated, Kind::finished));
}

TEST_CASE("an upstream CANCEL before any branch (a lookup pending) is answered 487") {
  ForkCore core(true, true, kT0);
  auto cancel = core.cancel();
  CHECK(status(cancel, Kind::reply) == 487);
  CHECK(has(cancel, Kind::finished));
  CHECK(core.fork(2).empty());  // the lookup's answer comes too late: nothing starts
}

TEST_CASE("an upstream CANCEL: no failover to the next target, no next contact") {
  auto core = sent(2, false, 2);
  core.cancel();
  auto unavailable = core.response(0, 503, false, kT0);
  CHECK_FALSE(has(unavailable, Kind::send, 0));
  CHECK_FALSE(has(unavailable, Kind::resolve, 1));
  CHECK(has(unavailable, Kind::exhausted, 0));
  CHECK(status(unavailable, Kind::reply) == 500);  // the 503 as 500: no 487 came
}

TEST_CASE("a timeout (nta's internal 408) fails over to the next target of the branch") {
  auto core = sent(1, true, 2);
  auto timeout = core.response(0, 408, true, kT0);
  CHECK(has(timeout, Kind::retire, 0));
  CHECK(target(timeout, Kind::send, 0) == 1);
  CHECK(silent_upstream(timeout));
  auto ok = core.response(0, 200, false, kT0);
  CHECK(has(ok, Kind::relay, 0));
  CHECK(core.finished());
}

TEST_CASE("a timeout on the last target is answered 408 by us (nothing to relay)") {
  auto core = sent(1, true, 1);
  auto timeout = core.response(0, 408, true, kT0);
  CHECK(has(timeout, Kind::exhausted, 0));
  CHECK(status(timeout, Kind::reply) == 408);
  CHECK(core.finished());
}

TEST_CASE("sequential forking: 503 fails over to the next target, then the next contact") {
  auto core = sent(2, false, 2);
  auto first = core.response(0, 503, false, kT0);
  CHECK(has(first, Kind::retire, 0));
  CHECK(target(first, Kind::send, 0) == 1);
  auto second = core.response(0, 503, false, kT0);
  CHECK(has(second, Kind::exhausted, 0));
  CHECK(has(second, Kind::resolve, 1));  // the next contact, only now
  CHECK(silent_upstream(second));
  CHECK(has(core.resolved(1, 1, 503), Kind::send, 1));
  auto ok = core.response(1, 200, false, kT0);
  CHECK(has(ok, Kind::relay, 1));
  CHECK(core.finished());
}

TEST_CASE("sequential forking: a busy contact, then the next one; a 2xx stops the rest") {
  auto core = sent(3, false);
  CHECK(core.answered() == false);
  auto busy = core.response(0, 486, false, kT0);
  CHECK(has(busy, Kind::resolve, 1));
  CHECK_FALSE(has(busy, Kind::resolve, 2));
  CHECK(has(core.resolved(1, 1, 503), Kind::send, 1));
  auto ok = core.response(1, 200, false, kT0);
  CHECK(has(ok, Kind::relay, 1));
  CHECK_FALSE(has(ok, Kind::resolve, 2));
  CHECK(core.finished());
}

TEST_CASE("no usable target: the branch ends with the resolver's status, answered by us") {
  ForkCore core(true, true, kT0);
  core.fork(1);
  auto none = core.resolved(0, 0, 404);
  CHECK(has(none, Kind::exhausted, 0));
  CHECK(status(none, Kind::reply) == 404);
}

TEST_CASE("a target that cannot be sent to: the next one") {
  ForkCore core(true, true, kT0);
  core.fork(1);
  core.resolved(0, 2, 503);
  CHECK(target(core.send_failed(0), Kind::send, 0) == 1);
  CHECK(status(core.send_failed(0), Kind::reply) == 500);  // out of targets: 503 -> 500
}

TEST_CASE("no contacts: 480; a reply is sent once") {
  ForkCore core(false, true, kT0);
  CHECK(status(core.fork(0), Kind::reply) == 480);
  CHECK(core.reply(500, "x").empty());
  ForkCore other(false, true, kT0);
  auto refused = other.reply(503, "Service Unavailable", 30);
  const ForkAction* reply = find(refused, Kind::reply);
  REQUIRE(reply != nullptr);
  CHECK(reply->retry_after == 30);
  CHECK(reply->phrase == "Service Unavailable");
  CHECK(has(refused, Kind::finished));
}
