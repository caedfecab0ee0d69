#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "sim_helpers.h"

using namespace p2psip;
using namespace p2psip::sim;
using namespace p2psip::sim::testing;

TEST_CASE("two and three peers form a ring") {
  SimNetwork net(fast_config(1));
  REQUIRE(build_ring(net, 3, 11));
  net.run_for(Millis{5000});
  CHECK(net.ring().size() == 3);
  CHECK(net.ring_errors() == 0);
}

TEST_CASE("30 peers join one by one and the ring is correct") {
  SimNetwork net(fast_config(2));
  REQUIRE(build_ring(net, 30, 22));
  net.run_for(Millis{10000});
  CHECK(net.ring().size() == 30);
  CHECK(net.ring_errors() == 0);
}

namespace {

struct LookupStats {
  std::size_t done = 0, ok = 0;
  std::uint64_t hops = 0;
};

// Pings random Resource-IDs from random live peers; ok when the answer came from the
// responsible peer of the true ring.
LookupStats lookups(SimNetwork& net, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  LookupStats s;
  auto stats = std::make_shared<LookupStats>();
  for (std::size_t k = 0; k < count; ++k) {
    PeerIndex from;
    do { from = static_cast<PeerIndex>(rng() % net.size()); } while (!net.joined(from));
    NodeId key = random_id(rng);
    NodeId want = net.responsible(key);
    net.request(from, wire::Destination::resource(wire::ResourceId{
                          Bytes(key.bytes().begin(), key.bytes().end())}),
                wire::MessageCode::kPingReq, *wire::encode_to_bytes(wire::PingReq{}),
                [stats, want](const peer::RequestResult& r) {
                  ++stats->done;
                  if (r.outcome == peer::RequestResult::Outcome::kAnswer && r.sender == want) {
                    ++stats->ok;
                    stats->hops += r.hops;
                  }
                });
  }
  net.run_until([&] { return stats->done == count; }, net.now() + Millis{20000});
  return *stats;
}

}  // namespace

TEST_CASE("1000 peers join one by one; ring correct; lookups reach the responsible peer") {
  auto t0 = std::chrono::steady_clock::now();
  SimNetwork net(fast_config(3));
  REQUIRE(build_ring(net, 1000, 33));
  net.run_for(Millis{5000});
  CHECK(net.ring().size() == 1000);
  CHECK(net.ring_errors() == 0);
  auto s = lookups(net, 500, 34);
  CHECK(s.done == 500);
  CHECK(s.ok == 500);
  double mean = s.ok ? static_cast<double>(s.hops) / static_cast<double>(s.ok) : 0;
  CHECK(mean < 10.0);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("1000-peer ring: virtual %.0f s, %llu messages, mean hops %.2f, wall %.1f s\n",
              static_cast<double>(net.now().count()) / 1000.0,
              static_cast<unsigned long long>(net.messages()), mean, secs);
}

TEST_CASE("joining through several bootstrap peers completes in one attempt") {
  // The admitting peer's Update comes over the direct link to it while its AttachAns travels
  // back along the Attach's path through another bootstrap peer; whichever arrives first, the
  // join goes on (it used to wait for the Update again and only retried after join_timeout).
  int slow = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SimConfig config = fast_config(seed);
    config.min_latency = Millis{1};
    config.max_latency = Millis{60};
    SimNetwork net(config);
    std::mt19937_64 rng(seed * 7919);
    std::vector<PeerIndex> all{net.add_peer(random_id(rng))};
    net.start(all[0]);
    for (int k = 1; k < 4; ++k) {
      PeerIndex p = net.add_peer(random_id(rng), all);  // every peer so far bootstraps it
      net.start(p);
      Millis limit = net.now() + config.peer_defaults.join_timeout / 2;
      if (!net.run_until([&] { return net.joined(p); }, limit)) {
        ++slow;
        net.run_until([&] { return net.joined(p); }, net.now() + config.peer_defaults.join_timeout * 2);
      }
      all.push_back(p);
    }
    net.run_for(Millis{5000});
    CHECK(net.ring_errors() == 0);
  }
  CHECK(slow == 0);
}

// RFC 6940 §10.5 step 4: "JN MUST enter into its Routing Table all the peers that it has
// successfully contacted". A joiner whose predecessor's own Update was still on its way when
// the admitting peer's Update made it joined had only the AP in its table: it took itself for
// the peer responsible for nearly the whole ring and answered Fetches there from its (empty)
// store. The predecessor's Update is held back here; the joiner must still know it.
TEST_CASE("a joiner knows its predecessor when joined, before that peer's Update arrives") {
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimNetwork net(fast_config(seed));
    REQUIRE(build_ring(net, 3, seed * 31));
    net.run_for(Millis{5000});
    std::mt19937_64 rng(seed * 131);
    NodeId id = random_id(rng);
    auto ring = net.ring();
    auto after = std::lower_bound(ring.begin(), ring.end(), id);
    NodeId pred = after == ring.begin() ? ring.back() : *(after - 1);
    PeerIndex pred_index = 0;
    for (PeerIndex i = 0; i < net.size(); ++i) {
      if (net.core(i).node_id() == pred) pred_index = i;
    }
    PeerIndex joiner = net.add_peer(id, {0});
    net.slow_path(pred_index, joiner, Millis{2500});  // its Update comes after the AP's
    net.start(joiner);
    REQUIRE(net.run_until([&] { return net.joined(joiner); }, net.now() + Millis{60000}));
    const auto& preds = net.core(joiner).routing_table().predecessors();
    REQUIRE(!preds.empty());
    CHECK(preds.front() == pred);
    CHECK(!net.core(joiner).routing_table().is_responsible(pred));
    ++checked;
  }
  CHECK(checked == 10);
}
