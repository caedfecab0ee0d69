// overlay_sim --peers N --lookups M [--seed S]
// Builds an N-peer CHORD-RELOAD overlay in the simulator (peers join through random earlier
// peers, 50 ms apart in virtual time), waits until every neighbour table is right, then sends
// M Pings to random Resource-IDs from random peers. A lookup succeeds when the answer comes
// from the responsible peer of the true ring. Last line:
//   peers=N lookups=M success=S mean_hops=H p99_hops=P
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "overlay/chord/ring.h"
#include "overlay/sim/sim_network.h"

using namespace p2psip;
using namespace p2psip::sim;

namespace {

long rss_peak_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

NodeId random_id(std::mt19937_64& rng) {
  return chord::from_u128((static_cast<chord::U128>(rng()) << 64) | rng());
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Args {
  std::size_t peers = 1000;
  std::size_t lookups = 1000;
  std::uint64_t seed = 1;
};

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--peers") a.peers = v;
    else if (k == "--lookups") a.lookups = v;
    else if (k == "--seed") a.seed = v;
    else return false;
  }
  return argc % 2 == 1 && a.peers >= 2;
}

void build(SimNetwork& net, const Args& a, std::mt19937_64& rng) {
  net.start(net.add_peer(random_id(rng)));
  for (std::size_t k = 1; k < a.peers; ++k) {
    PeerIndex boot = static_cast<PeerIndex>(rng() % k);
    net.start(net.add_peer(random_id(rng), {boot}));
    net.run_for(Millis{50});
  }
  std::size_t errors = 0;
  for (int s = 0; s < 600; ++s) {  // settle: up to 10 virtual minutes
    net.run_for(Millis{1000});
    if (net.ring().size() == a.peers && (errors = net.ring_errors()) == 0) break;
  }
  std::fprintf(stderr, "ring: %zu joined, %zu wrong neighbour tables, virtual %.0f s\n",
               net.ring().size(), errors, static_cast<double>(net.now().count()) / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr, "usage: overlay_sim --peers N --lookups M [--seed S]\n");
    return 2;
  }
  SimConfig cfg;
  cfg.seed = a.seed;
  cfg.peer_defaults.overlay = 0x5eed0001;
  cfg.peer_defaults.update_interval = Millis{60000};
  cfg.peer_defaults.chord_ping_interval = Millis{30000};
  SimNetwork net(cfg);
  std::mt19937_64 rng(a.seed);
  auto t0 = std::chrono::steady_clock::now();
  build(net, a, rng);
  double build_s = seconds_since(t0);
  std::uint64_t build_msgs = net.messages();

  struct Stats { std::size_t done = 0, ok = 0; std::vector<unsigned> hops; };
  auto st = std::make_shared<Stats>();
  auto t1 = std::chrono::steady_clock::now();
  const std::vector<NodeId> ring = net.ring();  // the true ring, for the responsible peer
  auto responsible = [&](const NodeId& k) {
    auto it = std::lower_bound(ring.begin(), ring.end(), k);
    return it == ring.end() ? ring.front() : *it;
  };
  for (std::size_t k = 0; k < a.lookups; ++k) {
    PeerIndex from;
    do { from = static_cast<PeerIndex>(rng() % net.size()); } while (!net.joined(from));
    NodeId key = random_id(rng);
    NodeId want = responsible(key);
    net.request(from, wire::Destination::resource(wire::ResourceId{
                          Bytes(key.bytes().begin(), key.bytes().end())}),
                wire::MessageCode::kPingReq, *wire::encode_to_bytes(wire::PingReq{}),
                [st, want](const peer::RequestResult& r) {
                  ++st->done;
                  if (r.outcome == peer::RequestResult::Outcome::kAnswer && r.sender == want) {
                    ++st->ok;
                    st->hops.push_back(r.hops);
                  }
                });
    if (k % 100 == 99) net.run_for(Millis{100});
  }
  net.run_until([&] { return st->done == a.lookups; }, net.now() + Millis{30000});
  double lookup_s = seconds_since(t1);

  std::sort(st->hops.begin(), st->hops.end());
  double mean = 0;
  for (unsigned h : st->hops) mean += h;
  mean = st->hops.empty() ? 0 : mean / static_cast<double>(st->hops.size());
  unsigned p99 = st->hops.empty() ? 0 : st->hops[(st->hops.size() * 99) / 100 == st->hops.size()
                                                     ? st->hops.size() - 1
                                                     : (st->hops.size() * 99) / 100];
  double anchor = 0.5 * std::log2(static_cast<double>(a.peers));
  std::printf("build: %.1f s wall, %llu messages; lookups: %.2f s wall; events %llu; "
              "peak RSS %ld kB (%.1f kB/peer)\n",
              build_s, static_cast<unsigned long long>(build_msgs), lookup_s,
              static_cast<unsigned long long>(net.events()), rss_peak_kb(),
              static_cast<double>(rss_peak_kb()) / static_cast<double>(a.peers));
  std::printf("chord anchor 0.5*log2(N)=%.2f ratio mean_hops/anchor=%.2f\n", anchor,
              anchor > 0 ? mean / anchor : 0);
  std::printf("peers=%zu lookups=%zu success=%.4f mean_hops=%.2f p99_hops=%u\n", a.peers,
              a.lookups, a.lookups ? static_cast<double>(st->ok) / static_cast<double>(a.lookups)
                                   : 0.0,
              mean, p99);
  return 0;
}
