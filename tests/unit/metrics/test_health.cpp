#include <doctest/doctest.h>

#include "metrics/health.h"

using namespace p2psip::metrics;
using std::chrono::milliseconds;

namespace {

HealthFacts ready_gateway() {
  HealthFacts f;
  f.sip_required = true;
  f.sip_listening = true;
  f.overlay_required = true;
  f.overlay_joined = true;
  f.loop_watched = true;
  return f;
}

}  // namespace

TEST_CASE("readiness: SIP listening, overlay joined, not draining") {
  HealthFacts f = ready_gateway();
  CHECK_FALSE(not_ready(f));
  f.overlay_joined = false;
  CHECK(not_ready(f) == "overlay not joined");
  f = ready_gateway();
  f.sip_listening = false;
  CHECK(not_ready(f) == "SIP not listening");
  f = ready_gateway();
  f.draining = true;
  CHECK(not_ready(f) == "draining");
  f.sip_listening = false;  // SIGTERM also reports the SIP side down: draining is the reason
  CHECK(not_ready(f) == "draining");
}

TEST_CASE("readiness of a peer: no SIP side, joined, not leaving") {
  HealthFacts f;
  f.sip_required = false;
  f.overlay_required = true;
  f.overlay_joined = true;
  CHECK_FALSE(not_ready(f));
  f.draining = true;
  CHECK(not_ready(f) == "draining");
}

TEST_CASE("a process without overlay or loop (the enrollment server) is live and ready") {
  HealthFacts f;
  f.sip_required = false;
  f.since_beat = milliseconds{3'600'000};  // nobody beats: not watched
  CHECK_FALSE(not_live(f));
  CHECK_FALSE(not_ready(f));
}

TEST_CASE("liveness: the event loop ticked within the stall limit") {
  HealthFacts f;  // nothing up, nothing joined: still live
  f.loop_watched = true;
  f.since_beat = kLoopStallLimit;
  CHECK_FALSE(not_live(f));
  f.since_beat = kLoopStallLimit + milliseconds{1};
  REQUIRE(not_live(f));
  CHECK(not_live(f)->find("event loop stalled") == 0);
  HealthFacts g = ready_gateway();
  g.since_beat = milliseconds{60'000};
  CHECK(not_ready(g) == "event loop stalled for 60 s");  // a stalled loop is not ready either
}

TEST_CASE("facts_of reads the state's atomics against a given now") {
  HealthState h;
  h.sip_listening = true;
  h.overlay_joined = true;
  h.overlay_required = true;
  h.loop_watched = true;
  h.loop_beat_ms = 1000;
  HealthFacts f = facts_of(h, 4000);
  CHECK(f.overlay_required);
  CHECK(f.loop_watched);
  CHECK(f.since_beat == milliseconds{3000});
  CHECK(f.sip_listening);
  CHECK(f.overlay_joined);
  CHECK_FALSE(f.draining);
  h.draining = true;
  CHECK(facts_of(h, 4000).draining);
  h.beat();
  CHECK(facts_of(h, HealthState::now_ms()).since_beat < kLoopStallLimit);
}
