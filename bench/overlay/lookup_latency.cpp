// lookup_latency: the latency of SIP-usage lookups (RFC 7904 Fetch, signature checks included)
// through one overlay peer, measured by a RELOAD client that stays connected:
//   lookup_latency BOOTSTRAP_IP:PORT CERT KEY CA AOR N
// Runs N lookups one after the other (each starts when the previous one answered) and prints
// one line: n, found, failed, p50/p90/p99/max in microseconds. Exit 0 when every lookup found
// the AoR, 1 otherwise. Driven by bench/overlay/lookup_latency_ring (a ring of real peers).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "p2psip/overlay/client.h"

using namespace p2psip;
using Steady = std::chrono::steady_clock;

namespace {

struct Run {
  std::vector<double> micros;
  std::size_t found = 0, failed = 0;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// One lookup, then the next from its callback, until `left` is 0.
void next(overlay::ClientSession& s, const std::string& aor, std::size_t left, Run& run,
          std::function<void(int)> finish) {
  if (left == 0) return finish(run.failed == 0 && run.found == run.micros.size() ? 0 : 1);
  auto t0 = Steady::now();
  s.lookup(aor, [&s, aor, left, &run, finish, t0](Expected<overlay::Resolution, overlay::Failure> r) {
    run.micros.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    if (!r) ++run.failed;
    else if (!r->empty()) ++run.found;
    next(s, aor, left - 1, run, finish);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s BOOTSTRAP_IP:PORT CERT KEY CA AOR N\n", argv[0]);
    return 2;
  }
  std::string bootstrap = argv[1];
  auto colon = bootstrap.rfind(':');
  std::size_t n = std::strtoul(argv[6], nullptr, 10);
  if (colon == std::string::npos || n == 0) return 2;
  overlay::ClientConfig config;
  config.bootstrap = {bootstrap.substr(0, colon),
                      static_cast<std::uint16_t>(std::stoi(bootstrap.substr(colon + 1)))};
  config.credentials = {argv[2], argv[3], argv[4]};
  config.timeout = Millis{static_cast<std::int64_t>(30000 + 1000 * n)};
  Run run;
  run.micros.reserve(n);
  std::string aor = argv[5];
  auto code = overlay::run_client(config, [&](overlay::ClientSession& s, std::function<void(int)> finish) {
    next(s, aor, n, run, std::move(finish));
  });
  if (!code) {
    std::fprintf(stderr, "lookup_latency: session failed: %s\n", code.error().error.message.c_str());
    return 3;
  }
  std::printf("n=%zu found=%zu failed=%zu p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
              run.micros.size(), run.found, run.failed, percentile(run.micros, 0.50),
              percentile(run.micros, 0.90), percentile(run.micros, 0.99),
              percentile(run.micros, 1.0));
  return *code;
}
