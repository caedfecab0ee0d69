// bench_dns SERVER:PORT DOMAINS : RFC 3263 resolution of sip:d<i>.bench.example (NAPTR ->
// SRV -> 2 x A/AAAA = 6 queries) through dns::Resolver, uncached and cached, sequential
// (latency p50/p99) and with 32 in flight (throughput); the anchor runs the same 6 queries in
// the same three dependent stages with c-ares alone (ares_fds/select, no parsing, no cache).
#include <ares.h>
#include <arpa/nameser.h>
#include <sys/select.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.h"
#include "dns/resolver.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kInFlight = 32;

struct Stats {
  std::vector<double> lat_us;
  double seconds = 0;
  int failures = 0;
  void print(const char* name) {
    std::sort(lat_us.begin(), lat_us.end());
    auto pct = [&](double p) { return lat_us[static_cast<std::size_t>(p * (lat_us.size() - 1))]; };
    std::printf("%-34s n=%6zu p50=%8.1fus p99=%8.1fus  %9.0f res/s  failures=%d\n", name,
                lat_us.size(), pct(0.50), pct(0.99), static_cast<double>(lat_us.size()) / seconds,
                failures);
  }
};

std::string domain(int i) { return "d" + std::to_string(i) + ".bench.example"; }

// ---- ours ----
Stats run_ours(const std::string& server, int domains, int total, int in_flight, bool cached) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  p2psip::SystemClock clock;
  p2psip::dns::ResolverConfig cfg;
  cfg.servers = {server};
  if (!cached) cfg.cache.max_entries = 0;
  Stats st;
  {
    auto r = p2psip::dns::Resolver::create(&loop, cfg, clock);
    if (!r) std::exit((std::fprintf(stderr, "%s\n", r.error().c_str()), 1));
    auto& res = **r;
    if (cached) {  // warm
      for (int i = 0; i < domains; ++i) res.resolve("sip:" + domain(i), [](auto) {});
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    int started = 0, done = 0;
    std::function<void()> launch = [&] {
      int i = started++;
      auto t0 = Clock::now();
      res.resolve("sip:" + domain(i % domains), [&, t0](p2psip::dns::ResolveResult result) {
        st.lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (!result || result->size() != 2) ++st.failures;
        ++done;
        if (started < total) launch();
      });
    };
    auto t0 = Clock::now();
    for (int k = 0; k < in_flight && started < total; ++k) launch();
    while (done < total) uv_run(&loop, UV_RUN_ONCE);
    st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return st;
}

// ---- anchor: c-ares alone, same queries, same stages ----
struct Anchor;
struct Chain {
  Anchor* a;
  int i;
  int pending = 0;
  int stage = 0;
  Clock::time_point t0;
};
struct Anchor {
  ares_channel ch = nullptr;
  int domains = 0, total = 0, started = 0, done = 0;
  Stats st;
  void launch();
  void query(Chain* c, const std::string& name, int type);
  void step(Chain* c, int status);
};

void on_answer(void* arg, int status, int, unsigned char*, int) {
  auto* c = static_cast<Chain*>(arg);
  c->a->step(c, status);
}

void Anchor::query(Chain* c, const std::string& name, int type) {
  ++c->pending;
  ares_query(ch, name.c_str(), ns_c_in, type, on_answer, c);
}

void Anchor::launch() {
  auto* c = new Chain{this, started++ % domains, 0, 0, Clock::now()};
  query(c, domain(c->i), ns_t_naptr);
}

void Anchor::step(Chain* c, int status) {
  if (status != ARES_SUCCESS && status != ARES_ENODATA) ++st.failures;
  if (--c->pending > 0) return;
  std::string d = domain(c->i);
  if (c->stage == 0) {
    query(c, "_sip._udp." + d, ns_t_srv);
  } else if (c->stage == 1) {
    for (const char* h : {"a.", "b."}) {
      query(c, h + d, ns_t_a);
      query(c, h + d, ns_t_aaaa);
    }
  } else {
    st.lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - c->t0).count());
    ++done;
    delete c;
    if (started < total) launch();
    return;
  }
  ++c->stage;
}

Stats run_anchor(const std::string& server, int domains, int total, int in_flight) {
  Anchor a;
  a.domains = domains;
  a.total = total;
  ares_options o{};
  o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOCHECKRESP | ARES_FLAG_STAYOPEN;  // as ours
  ares_init_options(&a.ch, &o, ARES_OPT_FLAGS);
  ares_set_servers_ports_csv(a.ch, server.c_str());
  auto t0 = Clock::now();
  for (int k = 0; k < in_flight && a.started < total; ++k) a.launch();
  while (a.done < total) {
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    int n = ares_fds(a.ch, &r, &w);
    timeval tv{}, *tvp = ares_timeout(a.ch, nullptr, &tv);
    select(n, &r, &w, nullptr, tvp);
    ares_process(a.ch, &r, &w);
  }
  a.st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ares_destroy(a.ch);
  return a.st;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_dns SERVER:PORT DOMAINS [SEQUENTIAL_N PARALLEL_N]\n");
    return 2;
  }
  std::string server = argv[1];
  int domains = std::atoi(argv[2]);
  int seq = argc > 3 ? std::atoi(argv[3]) : 2000;
  int par = argc > 4 ? std::atoi(argv[4]) : 20000;
  ares_library_init(ARES_LIB_INIT_ALL);
  std::string only = argc > 5 ? argv[5] : "";  // run only scenarios whose name contains this
  auto want = [&](const char* name) { return only.empty() || std::string(name).find(only) != std::string::npos; };
  std::printf("full RFC 3263 chain per resolution: NAPTR -> SRV -> 2 x (A + AAAA) = 6 queries\n");
  run_anchor(server, domains, 200, 1);  // warm-up (server caches, page faults)
  if (want("c-ares alone, sequential")) run_anchor(server, domains, seq, 1).print("c-ares alone, sequential");
  if (want("ours uncached, sequential")) run_ours(server, domains, seq, 1, false).print("ours uncached, sequential");
  if (want("c-ares alone, 32 in flight")) run_anchor(server, domains, par, kInFlight).print("c-ares alone, 32 in flight");
  if (want("ours uncached, 32 in flight")) run_ours(server, domains, par, kInFlight, false).print("ours uncached, 32 in flight");
  if (want("ours cached, sequential")) run_ours(server, domains, seq * 10, 1, true).print("ours cached, sequential");
  if (want("ours cached, 32 in flight")) run_ours(server, domains, par * 10, kInFlight, true).print("ours cached, 32 in flight");
  ares_library_cleanup();
  return 0;
}
