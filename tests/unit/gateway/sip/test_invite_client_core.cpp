#include "gateway/sip/invite_client_core.h"

#include <doctest/doctest.h>

#include <vector>

using namespace p2psip;
using namespace p2psip::sip;
using State = InviteClientCore::State;

namespace {

constexpr Millis kT0{100'000};
const InviteClientTimers kTimers{Millis{500}, Millis{32'000}, Millis{185'000}, Millis{32'000}};

bool nothing(const InviteClientActions& a) {
  return !a.retransmit && !a.send_ack && !a.send_cancel && a.pass_on == 0 && !a.terminated;
}

}  // namespace

TEST_CASE("invite client: Timer A retransmits at T1, 2T1, 4T1... until Timer B's 408") {
  InviteClientCore c(kTimers, kT0);
  CHECK(c.deadline() == kT0 + Millis{500});
  CHECK(nothing(c.timer(kT0 + Millis{499})));  // early: nothing
  std::vector<long> sends_at;  // ms after the first send
  while (c.deadline() < kT0 + Millis{32'000}) {
    Millis at = c.deadline();
    auto a = c.timer(at);
    CHECK(a.retransmit);
    CHECK_FALSE(a.terminated);
    sends_at.push_back(static_cast<long>((at - kT0).count()));
  }
  // §17.1.1.2: A doubles from T1, so 7 sends in all before B at 64*T1.
  CHECK(sends_at == std::vector<long>{500, 1'500, 3'500, 7'500, 15'500, 31'500});
  CHECK(c.deadline() == kT0 + Millis{32'000});
  auto end = c.timer(kT0 + Millis{32'000});
  CHECK(end.pass_on == 408);
  CHECK(end.internal);
  CHECK(end.terminated);
  CHECK_FALSE(end.retransmit);
  CHECK(c.state() == State::terminated);
  CHECK(c.deadline() == Millis::max());
}

TEST_CASE("invite client: a provisional stops retransmissions and Timer B, arms Timer C") {
  InviteClientCore c(kTimers, kT0);
  auto a = c.response(180, kT0 + Millis{100});
  CHECK(a.pass_on == 180);
  CHECK_FALSE(a.internal);
  CHECK(c.state() == State::proceeding);
  CHECK(c.deadline() == kT0 + Millis{100} + Millis{185'000});  // C only: no A, no B
  CHECK(nothing(c.timer(kT0 + Millis{40'000})));
  c.response(183, kT0 + Millis{60'000});  // each provisional resets C
  CHECK(c.deadline() == kT0 + Millis{60'000} + Millis{185'000});
}

TEST_CASE("invite client: a 2xx is passed on and ends the transaction at once (RFC 6026)") {
  InviteClientCore c(kTimers, kT0);
  c.response(100, kT0);
  auto a = c.response(200, kT0 + Millis{50});
  CHECK(a.pass_on == 200);
  CHECK_FALSE(a.send_ack);  // the ACK for a 2xx is the caller's, end to end
  CHECK(a.terminated);
  CHECK(c.state() == State::terminated);
  CHECK(c.deadline() == Millis::max());
  CHECK(nothing(c.response(200, kT0 + Millis{60})));  // retransmissions: the proxy's Accepted table
}

TEST_CASE("invite client: a non-2xx is ACKed, passed on once, ACKed again, ended by Timer D") {
  InviteClientCore c(kTimers, kT0);
  auto a = c.response(486, kT0 + Millis{10});
  CHECK(a.send_ack);
  CHECK(a.pass_on == 486);
  CHECK_FALSE(a.terminated);
  CHECK(c.state() == State::completed);
  CHECK(c.deadline() == kT0 + Millis{10} + Millis{32'000});
  auto again = c.response(486, kT0 + Millis{600});
  CHECK(again.send_ack);
  CHECK(again.pass_on == 0);  // not passed on twice
  CHECK(nothing(c.timer(kT0 + Millis{1'000})));  // no retransmission of the INVITE now
  auto late2xx = c.response(200, kT0 + Millis{700});  // another fork downstream
  CHECK(late2xx.pass_on == 200);
  CHECK_FALSE(late2xx.send_ack);
  auto d = c.timer(kT0 + Millis{10} + Millis{32'000});
  CHECK(d.terminated);
  CHECK(d.pass_on == 0);
  CHECK(c.state() == State::terminated);
}

TEST_CASE("invite client: a CANCEL waits for a provisional (§9.1)") {
  InviteClientCore c(kTimers, kT0);
  CHECK(nothing(c.cancel(kT0 + Millis{10})));
  auto a = c.response(180, kT0 + Millis{20});
  CHECK(a.pass_on == 180);
  CHECK(a.send_cancel);
  CHECK(nothing(c.cancel(kT0 + Millis{30})));  // once
  auto f = c.response(487, kT0 + Millis{40});
  CHECK(f.pass_on == 487);
  CHECK(f.send_ack);
}

TEST_CASE("invite client: a CANCEL after a provisional goes at once; no final in 64*T1: 487") {
  InviteClientCore c(kTimers, kT0);
  c.response(180, kT0);
  auto a = c.cancel(kT0 + Millis{1'000});
  CHECK(a.send_cancel);
  CHECK(c.deadline() == kT0 + Millis{1'000} + Millis{32'000});
  auto end = c.timer(kT0 + Millis{33'000});
  CHECK(end.pass_on == 487);
  CHECK(end.internal);
  CHECK(end.terminated);
}

TEST_CASE("invite client: Timer C CANCELs a branch that rang, once (§16.8)") {
  InviteClientCore c(kTimers, kT0);
  c.response(180, kT0);
  auto a = c.timer(kT0 + Millis{185'000});
  CHECK(a.send_cancel);
  CHECK(a.pass_on == 0);
  CHECK_FALSE(a.terminated);
  CHECK(c.deadline() == kT0 + Millis{185'000} + Millis{32'000});  // the CANCEL's expiry, not C
  CHECK(nothing(c.cancel(kT0 + Millis{186'000})));
}

TEST_CASE("invite client: Timer C without a provisional acts as a 408 (§16.8)") {
  InviteClientTimers t = kTimers;
  t.timer_b = Millis{600'000};  // a B longer than C: C is the one that fires
  InviteClientCore c(t, kT0);
  Millis at = kT0;
  InviteClientActions a;
  while (!a.terminated) {
    at = c.deadline();
    a = c.timer(at);
  }
  CHECK(at == kT0 + Millis{185'000});
  CHECK(a.pass_on == 408);
  CHECK(a.internal);
}

TEST_CASE("invite client: a transport error is an internal 503 before the final, silent after") {
  InviteClientCore c(kTimers, kT0);
  auto a = c.transport_error();
  CHECK(a.pass_on == 503);
  CHECK(a.internal);
  CHECK(a.terminated);
  CHECK(nothing(c.transport_error()));
  CHECK(nothing(c.response(200, kT0)));

  InviteClientCore done(kTimers, kT0);
  done.response(404, kT0);
  auto b = done.transport_error();  // the ACK could not go
  CHECK(b.terminated);
  CHECK(b.pass_on == 0);
}

TEST_CASE("invite client: over TCP no retransmission, and a non-2xx ends it at once") {
  InviteClientCore c(kTimers, kT0, /*reliable=*/true);
  CHECK(c.deadline() == kT0 + Millis{32'000});  // Timer B only
  auto b = c.timer(kT0 + Millis{32'000});
  CHECK(b.pass_on == 408);
  CHECK_FALSE(b.retransmit);

  InviteClientCore d(kTimers, kT0, true);
  auto a = d.response(486, kT0 + Millis{10});
  CHECK(a.send_ack);
  CHECK(a.pass_on == 486);
  CHECK(a.terminated);
  CHECK(d.state() == State::terminated);
}
