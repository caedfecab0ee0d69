#include <doctest/doctest.h>

#include "overlay/link/reliability.h"

using namespace p2psip::link;
using p2psip::wire::AckFrame;

TEST_CASE("ReceiveWindow: ack bitmask names the previous 32 sequence numbers") {
  ReceiveWindow w;
  CHECK_FALSE(w.last_ack().has_value());
  CHECK(w.on_data(0) == AckFrame{0, 0});
  CHECK(w.on_data(1) == AckFrame{1, 0x1});
  CHECK(w.on_data(2) == AckFrame{2, 0x3});
  // 3 lost: 4 sees 2 (bit 1) and 1 (bit 2) and 0 (bit 3).
  CHECK(w.on_data(4) == AckFrame{4, 0xe});
  CHECK(w.last_ack() == AckFrame{4, 0xe});
  for (std::uint32_t s = 5; s < 100; ++s) (void)w.on_data(s);
  CHECK(w.on_data(100) == AckFrame{100, 0xffffffff});
}

TEST_CASE("ReceiveWindow: sequence numbers wrap modulo 2^32") {
  ReceiveWindow w;
  (void)w.on_data(0xfffffffe);
  (void)w.on_data(0xffffffff);
  CHECK(w.on_data(0) == AckFrame{0, 0x3});
}

TEST_CASE("SendTracker: sequence numbers from zero, RTT samples, bitmask acks") {
  SendTracker t;
  CHECK(t.on_send(Micros{1000}) == 0);
  CHECK(t.on_send(Micros{2000}) == 1);
  CHECK(t.on_send(Micros{3000}) == 2);
  CHECK(t.unacked() == 3);
  CHECK(t.oldest_unacked() == Micros{1000});
  auto rtt = t.on_ack(AckFrame{1, 0}, Micros{2500});
  REQUIRE(rtt.has_value());
  CHECK(*rtt == Micros{500});
  CHECK(t.unacked() == 2);
  CHECK(t.oldest_unacked() == Micros{1000});
  // Ack of 2 that also names 1 and 0 (bits 0 and 1).
  rtt = t.on_ack(AckFrame{2, 0x3}, Micros{4000});
  CHECK(*rtt == Micros{1000});
  CHECK(t.unacked() == 0);
  CHECK_FALSE(t.oldest_unacked().has_value());
  // Duplicates and keepalives of unknown numbers change nothing.
  CHECK_FALSE(t.on_ack(AckFrame{2, 0}, Micros{5000}).has_value());
  CHECK_FALSE(t.on_ack(AckFrame{0xffffffff, 0}, Micros{5000}).has_value());
  CHECK(t.on_send(Micros{6000}) == 3);
  CHECK(t.oldest_unacked() == Micros{6000});
}

TEST_CASE("RttEstimator: RFC 6298 formulas, clamped, rounded up to milliseconds") {
  RttEstimator r(Micros{500'000}, Micros{200'000}, Micros{60'000'000});
  CHECK_FALSE(r.has_sample());
  CHECK(r.rto() == Micros{500'000});
  r.sample(Micros{100'000});
  CHECK(r.srtt() == Micros{100'000});
  CHECK(r.rttvar() == Micros{50'000});
  CHECK(r.rto() == Micros{300'000});  // 100 + 4*50 ms
  r.sample(Micros{200'000});
  CHECK(r.rttvar() == Micros{62'500});   // 3/4*50 + 1/4*100
  CHECK(r.srtt() == Micros{112'500});    // 7/8*100 + 1/8*200
  CHECK(r.rto() == Micros{363'000});     // 112.5 + 250 = 362.5 -> 363 ms
  RttEstimator fast(Micros{500'000}, Micros{200'000}, Micros{60'000'000});
  fast.sample(Micros{30});
  CHECK(fast.rto() == Micros{200'000});  // min RTO
}

TEST_CASE("FrameDeadline: runs from the first byte of the frame still incomplete") {
  using std::chrono::milliseconds;
  auto at = [](int ms) { return Micros{ms * 1000}; };
  FrameDeadline d;
  CHECK_FALSE(d.expired(at(100'000), milliseconds(10'000)));  // nothing started
  d.on_read(true, false, at(0));                               // a frame starts
  d.on_read(true, false, at(6'000));                           // more of it, still incomplete
  CHECK_FALSE(d.expired(at(9'999), milliseconds(10'000)));
  CHECK(d.expired(at(10'000), milliseconds(10'000)));          // from its first byte
  d.on_read(true, true, at(9'000));  // it completed and the next one started: restart
  CHECK_FALSE(d.expired(at(18'999), milliseconds(10'000)));
  CHECK(d.expired(at(19'000), milliseconds(10'000)));
  d.on_read(false, true, at(19'500));  // everything complete
  CHECK_FALSE(d.expired(at(100'000), milliseconds(10'000)));
  d.on_read(true, false, at(20'000));
  CHECK_FALSE(d.expired(at(100'000), milliseconds(0)));  // zero disables
}
