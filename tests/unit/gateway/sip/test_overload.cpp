#include <doctest/doctest.h>

#include <string>

#include "gateway/sip/overload.h"

using namespace p2psip;
using namespace p2psip::sip;

namespace {

int taken(SourceBuckets& b, std::string_view source, int tries, Millis now) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.take(source, now) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a source gets its burst at once, then its rate") {
  SourceBuckets b(10, 20, 100);
  CHECK(taken(b, "192.0.2.1", 50, Millis{0}) == 20);
  CHECK(taken(b, "192.0.2.1", 50, Millis{1000}) == 10);  // one second: 10 more
  CHECK(taken(b, "192.0.2.1", 50, Millis{1100}) == 1);
  CHECK(taken(b, "192.0.2.1", 50, Millis{100'000}) == 20);  // refills to the burst, not beyond
}

TEST_CASE("one source over its limit does not touch another's bucket") {
  SourceBuckets b(10, 20, 100);
  CHECK(taken(b, "192.0.2.1", 1000, Millis{0}) == 20);
  CHECK(taken(b, "192.0.2.2", 20, Millis{0}) == 20);
  CHECK(b.size() == 2);
}

TEST_CASE("rate 0 means no per-source limit and no table") {
  SourceBuckets b(0, 20, 100);
  CHECK(taken(b, "192.0.2.1", 1000, Millis{0}) == 1000);
  CHECK(b.size() == 0);
}

TEST_CASE("the table is bounded: many addresses share one overflow bucket") {
  SourceBuckets b(1, 5, 8);
  int admitted = 0;
  for (int i = 0; i < 10'000; ++i) admitted += b.take("10.0.0." + std::to_string(i), Millis{0}) ? 1 : 0;
  CHECK(b.size() == 8);
  CHECK(admitted == 8 + 5);  // 8 table sources take one each, the rest share the overflow's burst
}

TEST_CASE("idle sources are pruned when the table is full, at most once a second") {
  SourceBuckets b(10, 10, 2);
  CHECK(b.take("a", Millis{0}));
  CHECK(b.take("b", Millis{0}));
  // Full, and "a"/"b" have not refilled yet: "c" goes to the overflow bucket.
  CHECK(b.take("c", Millis{50}));
  CHECK(b.size() == 2);
  // Two seconds later both have refilled to the burst: they are dropped, "d" gets its own.
  CHECK(b.take("d", Millis{2000}));
  CHECK(b.size() == 1);
}

TEST_CASE("an active source is not pruned") {
  SourceBuckets b(10, 10, 2);
  CHECK(taken(b, "flood", 10, Millis{0}) == 10);
  CHECK(b.take("x", Millis{0}));
  CHECK(taken(b, "flood", 100, Millis{2000}) == 10);  // keeps sending: its bucket is never full
  CHECK(b.take("y", Millis{2000}));                    // "x" refilled and was pruned
  CHECK(taken(b, "flood", 10, Millis{2000}) == 0);     // still limited, its entry kept
}

TEST_CASE("guard: starts at the limit of any signal, stops below the resume fraction") {
  OverloadLimits l;
  l.max_udp_backlog = 0.5;
  l.max_loop_lag = Millis{100};
  l.max_transactions = 1000;
  l.max_lookups = 100;
  l.resume_fraction = 0.5;
  OverloadGuard g(l);
  CHECK_FALSE(g.update({0, Millis{99}, 999, 99}, Millis{0}));
  CHECK(g.update({0, Millis{0}, 0, 100}, Millis{0}));            // lookups at the limit
  CHECK(g.update({0, Millis{0}, 0, 60}, Millis{0}));             // hysteresis: still above half
  CHECK(g.update({0, Millis{60}, 0, 10}, Millis{0}));            // lag above half
  CHECK_FALSE(g.update({0, Millis{49}, 499, 49}, Millis{0}));    // everything below half
  CHECK(g.update({0, Millis{100}, 0, 0}, Millis{0}));            // lag
  CHECK_FALSE(g.update({0, Millis{0}, 0, 0}, Millis{0}));
  CHECK(g.update({0, Millis{0}, 1000, 0}, Millis{0}));           // transactions
  CHECK_FALSE(g.update({0, Millis{0}, 0, 0}, Millis{0}));
  CHECK_FALSE(g.update({0.49, Millis{0}, 0, 0}, Millis{0}));
  CHECK(g.update({0.5, Millis{0}, 0, 0}, Millis{0}));            // the UDP queue half full
  CHECK(g.update({0.3, Millis{0}, 0, 0}, Millis{0}));            // above a quarter: still shedding
  CHECK_FALSE(g.update({0.2, Millis{0}, 0, 0}, Millis{0}));
}

TEST_CASE("standing delay: the smallest wait of each interval, 0 without samples") {
  StandingDelay d(Millis{100});
  CHECK(d.value() == 0);
  d.sample(80, Millis{0});
  d.sample(5, Millis{50});   // a request that did not wait: the queue drained
  d.sample(90, Millis{99});
  CHECK(d.value() == 0);     // the first interval is not complete yet
  d.sample(70, Millis{100}); // closes [0, 100): its minimum is 5
  CHECK(d.value() == 5);
  d.sample(60, Millis{150});
  d.sample(-1, Millis{200}); // no sample (a TCP request), but time closes [100, 200)
  CHECK(d.value() == 60);
  d.sample(-1, Millis{450}); // [200, 450) had no request: nothing waited
  CHECK(d.value() == 0);
}

TEST_CASE("guard: a burst that drains within the interval is served, a queue that stays is shed") {
  OverloadLimits l;
  l.max_udp_backlog = 0;
  l.max_loop_lag = Millis{0};
  l.max_transactions = 0;
  l.max_lookups = 0;
  l.max_queue_delay = Millis{50};
  l.delay_interval = Millis{100};
  OverloadGuard g(l);
  auto waited = [](double ms) {
    LoadSignals s;
    s.queue_delay_ms = ms;
    return s;
  };
  // A 200 ms stall: the requests read after it waited up to 200 ms, the queue drains in 80 ms.
  int ms = 0;
  for (; ms < 80; ++ms) CHECK_FALSE(g.update(waited(200 - 2.5 * ms), Millis{ms}));
  for (; ms < 1000; ++ms) CHECK_FALSE(g.update(waited(1), Millis{ms}));
  // Arrivals faster than service: every request waits longer than the limit.
  for (; ms < 1100; ++ms) CHECK_FALSE(g.update(waited(60 + ms % 7), Millis{ms}));
  CHECK(g.update(waited(60), Millis{1100}));  // the interval closed above 50 ms: shed
  CHECK(g.standing_delay_ms() == 60);
  // Shedding drains the queue: it goes on while requests waited 25 ms (half the limit) or
  // more, and ends with the first that waited less.
  for (ms = 1101; ms < 1150; ++ms) CHECK(g.update(waited(80 - ms % 50), Millis{ms}));
  CHECK(g.update(waited(25), Millis{1150}));
  CHECK_FALSE(g.update(waited(24), Millis{1151}));
  // What was measured before the drain is forgotten: the next interval decides afresh.
  CHECK(g.standing_delay_ms() == 0);
  for (ms = 1152; ms < 1251; ++ms) CHECK_FALSE(g.update(waited(45), Millis{ms}));
  CHECK_FALSE(g.update(waited(45), Millis{1252}));
  CHECK(g.standing_delay_ms() == 45);
}

TEST_CASE("standing delay: a pause of a whole interval means the queue was empty") {
  StandingDelay d(Millis{100});
  for (int ms = 0; ms < 300; ++ms) d.sample(200, Millis{ms});
  CHECK(d.value() == 200);
  // Six seconds without a request (between two benchmark steps, say), then one arrives:
  // the interval it closes held only the old waits, from before the pause.
  d.sample(1, Millis{6300});
  CHECK(d.value() == 0);
}

TEST_CASE("guard: a limit of 0 is not used") {
  OverloadLimits l;
  l.max_udp_backlog = 0;
  l.max_loop_lag = Millis{0};
  l.max_transactions = 0;
  l.max_lookups = 0;
  l.max_queue_delay = Millis{0};
  OverloadGuard g(l);
  CHECK_FALSE(g.update({1.0, Millis{100'000}, 1'000'000, 1'000'000, 1e6}, Millis{0}));
  CHECK_FALSE(g.update({1.0, Millis{100'000}, 1'000'000, 1'000'000, 1e6}, Millis{1000}));
}

TEST_CASE("admission: in-dialog requests are never refused, initial ones are shed") {
  OverloadLimits l;
  l.max_lookups = 10;
  l.source_rate = 1;
  l.source_burst = 1;
  AdmissionControl a(l);
  LoadSignals busy{0, Millis{0}, 0, 10};
  // BYE/ACK/CANCEL of admitted calls pass under overload and past the source limit.
  for (int i = 0; i < 100; ++i) CHECK(a.decide({"192.0.2.1", false, false}, busy, Millis{0}) == Admission::admit);
  CHECK(a.shedding());
  CHECK(a.decide({"192.0.2.1", true, false}, busy, Millis{0}) == Admission::shed);
  CHECK(a.decide({"192.0.2.1", true, false}, busy, Millis{0}) == Admission::over_source_limit);
  CHECK(a.decide({"192.0.2.2", true, true}, busy, Millis{0}) == Admission::shed);  // trusted: no source limit
  LoadSignals calm{};
  CHECK(a.decide({"192.0.2.2", true, true}, calm, Millis{0}) == Admission::admit);
  CHECK_FALSE(a.shedding());
}

TEST_CASE("admission: a flooding source is refused while others pass") {
  OverloadLimits l;
  l.source_rate = 50;
  l.source_burst = 100;
  AdmissionControl a(l);
  int flood_admitted = 0, others_admitted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {  // 10 s: the flooder at 1000/s, others at 1/s each
    flood_admitted += a.decide({"198.51.100.7", true, false}, {}, Millis{ms}) == Admission::admit;
    if (ms % 10 == 0) {
      std::string other = "203.0.113." + std::to_string(ms / 10 % 100);
      others_admitted += a.decide({other, true, false}, {}, Millis{ms}) == Admission::admit;
    }
  }
  CHECK(flood_admitted >= 100 + 50 * 10 - 2);  // its burst plus its rate, nothing more
  CHECK(flood_admitted <= 100 + 50 * 10);
  CHECK(others_admitted == 1000);
}

TEST_CASE("metric labels") {
  CHECK(to_string(Admission::shed) == "overload");
  CHECK(to_string(Admission::over_source_limit) == "source_limit");
}
