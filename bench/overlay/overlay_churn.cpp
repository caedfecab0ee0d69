// overlay_churn --median-min M [--peers N] [--registrations R] [--minutes D] [--seed S]
// Storage under churn in the simulator (Bamboo, Rhea et al., USENIX 2004, section 5): N peers
// with exponentially distributed session times of median M minutes. When a session ends the
// peer crashes (no Leave: the harder case) and a fresh peer with a new Node-ID joins through a
// random live peer, so the population stays near N. R SIP-REGISTRATIONs (one dictionary entry
// each, lifetime longer than the run, never refreshed) are stored before the churn starts; two
// Fetches per virtual second go from random live peers to random registrations.
// Reports: lookup success (answer with the value), registrations lost (no live copy at the end),
// and all RELOAD bytes sent on links per live peer per second during the churn (maintenance
// plus the lookups, which are ~1% of it). Protocol timers are the real node's defaults.
// Last line: median_min=M success=S lost=L bytes_per_peer_s=B
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "overlay/chord/ring.h"
#include "overlay/sim/sim_network.h"
#include "overlay/storage/resource_id.h"
#include "overlay/storage/sim_data_signer.h"

using namespace p2psip;
using namespace p2psip::sim;

namespace {

constexpr std::uint64_t kWallBase = 1'700'000'000'000;

struct Args {
  double median_min = 60;
  std::size_t peers = 1000;
  std::size_t registrations = 2000;
  double minutes = 20;
  std::uint64_t seed = 1;
};

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--median-min") a.median_min = std::atof(v);
    else if (k == "--peers") a.peers = std::strtoull(v, nullptr, 10);
    else if (k == "--registrations") a.registrations = std::strtoull(v, nullptr, 10);
    else if (k == "--minutes") a.minutes = std::atof(v);
    else if (k == "--seed") a.seed = std::strtoull(v, nullptr, 10);
    else return false;
  }
  return argc % 2 == 1 && a.peers >= 8 && a.median_min > 0;
}

NodeId random_id(std::mt19937_64& rng) {
  return chord::from_u128((static_cast<chord::U128>(rng()) << 64) | rng());
}

struct Reg {
  std::string aor;
  NodeId storer;
  wire::ResourceId resource;
};

Bytes store_body(const Reg& r, std::uint64_t storage_time) {
  storage::SimDataSigner signer(r.aor, r.storer);
  wire::StoredData d;
  d.storage_time = storage_time;
  d.lifetime = 86400;
  d.value = wire::DictionaryEntry{Bytes(r.storer.bytes().begin(), r.storer.bytes().end()),
                                  wire::DataValue{true, to_bytes("sip:" + r.aor)}};
  d = storage::sign_stored_data(signer, r.resource, 1, std::move(d));
  wire::StoreReq req{r.resource, 0, {wire::StoreKindData{1, 0, {std::move(d)}, std::nullopt}}};
  return *wire::encode_to_bytes(req);
}

Bytes fetch_body(const wire::ResourceId& res) {
  wire::FetchReq f{res, {wire::StoredDataSpecifier{1, 0, wire::DictionarySpecifier{}}}};
  return *wire::encode_to_bytes(f);
}

class Churn {
 public:
  explicit Churn(const Args& a) : a_(a), rng_(a.seed), net_(config(a)) {
    mean_session_ms_ = a.median_min * 60'000.0 / std::log(2.0);
  }

  static SimConfig config(const Args& a) {
    SimConfig c;
    c.seed = a.seed;
    c.peer_defaults.overlay = 0x12345678;
    c.peer_defaults.wall_clock_offset_ms = kWallBase;
    return c;
  }

  bool build() {
    ends_.push_back(Millis::max());
    net_.start(net_.add_peer(random_id(rng_)));
    for (std::size_t k = 1; k < a_.peers; ++k) {
      net_.start(net_.add_peer(random_id(rng_), {PeerIndex(rng_() % k)}));
      ends_.push_back(Millis::max());
      net_.run_for(Millis{50});
    }
    for (int s = 0; s < 900 && (net_.ring().size() != a_.peers || net_.ring_errors() != 0); ++s) {
      net_.run_for(Millis{1000});
    }
    return net_.ring().size() == a_.peers;
  }

  std::size_t store_all() {
    std::size_t ok = 0, answered = 0;
    for (std::size_t k = 0; k < a_.registrations; ++k) {
      PeerIndex from = random_live();
      Reg r{"user" + std::to_string(k) + "@p2p.example.com", net_.core(from).node_id(), {}};
      r.resource = storage::resource_id_of(r.aor);
      net_.request(from, wire::Destination::resource(r.resource), wire::MessageCode::kStoreReq,
                   store_body(r, kWallBase + std::uint64_t(net_.now().count())),
                   [&](const peer::RequestResult& res) {
                     ++answered;
                     ok += res.code == wire::MessageCode::kStoreAns;
                   });
      regs_.push_back(std::move(r));
      if (k % 200 == 199) net_.run_until([&] { return answered == k + 1; }, net_.now() + Millis{60000});
    }
    net_.run_until([&] { return answered == regs_.size(); }, net_.now() + Millis{60000});
    net_.run_for(Millis{30000});  // replication settles
    return ok;
  }

  void churn() {
    for (PeerIndex i = 0; i < net_.size(); ++i) ends_[i] = net_.now() + session();
    const Millis end = net_.now() + Millis{std::int64_t(a_.minutes * 60'000)};
    bytes0_ = net_.bytes();
    msgs0_ = net_.messages();
    t0_ = net_.now();
    while (net_.now() < end) {
      for (PeerIndex i = 0, n = PeerIndex(net_.size()); i < n; ++i) {
        if (!net_.alive(i) || ends_[i] > net_.now()) continue;
        net_.kill(i);
        ++killed_;
        PeerIndex boot = random_live();
        PeerIndex p = net_.add_peer(random_id(rng_), {boot});
        ends_.push_back(net_.now() + session());
        net_.start(p);
      }
      for (int l = 0; l < 2; ++l) lookup();
      net_.run_for(Millis{500});
      live_sum_ += double(live_count());
      ++live_samples_;
    }
    bytes1_ = net_.bytes();
    msgs1_ = net_.messages();
    t1_ = net_.now();
    net_.run_for(Millis{20000});  // answers still in flight
  }

  std::size_t lost() {
    std::size_t n = 0;
    for (const auto& r : regs_) {
      bool held = false;
      for (PeerIndex i = 0; i < net_.size() && !held; ++i) {
        auto* s = net_.storage(i);
        held = net_.alive(i) && s && s->data().kind_state(r.resource, 1);
      }
      n += held ? 0 : 1;
    }
    return n;
  }

  void report(std::size_t stored, std::size_t lost_regs) const {
    double secs = double((t1_ - t0_).count()) / 1000.0;
    double peers = live_sum_ / double(std::max<std::size_t>(1, live_samples_));
    double bps = double(bytes1_ - bytes0_) / secs / peers;
    double success = lookups_ ? double(lookup_ok_) / double(lookups_) : 0;
    std::printf("stored %zu/%zu, churn %.0f s virtual, %zu peers crashed and replaced, "
                "mean live %.0f\n", stored, regs_.size(), secs, killed_, peers);
    std::printf("lookups %zu, answered with the value %zu, failed %zu\n", lookups_, lookup_ok_,
                lookups_ - lookup_ok_);
    double mps = double(msgs1_ - msgs0_) / secs / peers;
    std::printf("median_min=%.1f success=%.4f lost=%zu bytes_per_peer_s=%.0f "
                "messages_per_peer_s=%.2f\n", a_.median_min, success, lost_regs, bps, mps);
  }

 private:
  Millis session() {
    std::exponential_distribution<double> d(1.0 / mean_session_ms_);
    return Millis{std::int64_t(d(rng_)) + 1};
  }
  std::size_t live_count() const {
    std::size_t n = 0;
    for (PeerIndex i = 0; i < net_.size(); ++i) n += net_.joined(i);
    return n;
  }
  PeerIndex random_live() {
    for (;;) {
      auto i = PeerIndex(rng_() % net_.size());
      if (net_.alive(i) && net_.joined(i)) return i;
    }
  }
  void lookup() {
    const Reg& r = regs_[rng_() % regs_.size()];
    ++lookups_;
    net_.request(random_live(), wire::Destination::resource(r.resource),
                 wire::MessageCode::kFetchReq, fetch_body(r.resource),
                 [this](const peer::RequestResult& res) {
                   if (res.code != wire::MessageCode::kFetchAns) return;
                   auto ans = wire::decode_fetch_ans(ByteView(res.body), net_.kinds().model_lookup());
                   if (ans && !ans->kind_responses.empty() &&
                       !ans->kind_responses.front().values.empty()) {
                     ++lookup_ok_;
                   }
                 });
  }

  Args a_;
  std::mt19937_64 rng_;
  SimNetwork net_;
  double mean_session_ms_ = 0;
  std::vector<Millis> ends_;
  std::vector<Reg> regs_;
  std::size_t killed_ = 0, lookups_ = 0, lookup_ok_ = 0, live_samples_ = 0;
  double live_sum_ = 0;
  std::uint64_t bytes0_ = 0, bytes1_ = 0, msgs0_ = 0, msgs1_ = 0;
  Millis t0_{0}, t1_{0};
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr, "usage: overlay_churn --median-min M [--peers N] [--registrations R] "
                         "[--minutes D] [--seed S]\n");
    return 2;
  }
  auto wall = std::chrono::steady_clock::now();
  Churn c(a);
  if (!c.build()) {
    std::fprintf(stderr, "ring did not form\n");
    return 1;
  }
  std::size_t stored = c.store_all();
  c.churn();
  c.report(stored, c.lost());
  std::fprintf(stderr, "wall %.0f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
  return 0;
}
