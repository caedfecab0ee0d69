// Encode+decode throughput of whole RELOAD messages (envelope: forwarding header, contents,
// security block), one row per message type from wire_samples, plus the framing and
// fragmentation paths. Each row runs for at least --ms milliseconds (default 1000) after a
// warm-up, and reports the best of --reps repetitions (default 3).
//
//   bench_wire [--ms N] [--reps N]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "overlay/wire/fragmentation.h"
#include "overlay/wire/framing.h"
#include "overlay/wire/message.h"
#include "overlay/wire/overlay_hash.h"
#include "tests/integration/wire/wire_samples.h"

using namespace p2psip;
using namespace p2psip::wire;

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double ops_per_s = 0;
};

volatile std::size_t g_sink = 0;  // keeps the optimiser from dropping the work

// Runs `op` in batches until `ms` have passed; returns operations per second.
double measure(const std::function<void()>& op, int ms) {
  for (int i = 0; i < 100; ++i) op();  // warm-up
  std::size_t count = 0;
  std::size_t batch = 64;
  auto start = Clock::now();
  auto limit = start + std::chrono::milliseconds(ms);
  Clock::time_point now;
  do {
    for (std::size_t i = 0; i < batch; ++i) op();
    count += batch;
    now = Clock::now();
  } while (now < limit);
  double secs = std::chrono::duration<double>(now - start).count();
  return static_cast<double>(count) / secs;
}

double best_of(const std::function<void()>& op, int ms, int reps) {
  double best = 0;
  for (int i = 0; i < reps; ++i) best = std::max(best, measure(op, ms));
  return best;
}

void row(const std::string& name, std::size_t bytes, double ops) {
  std::printf("| %-18s | %6zu | %12.0f | %9.1f |\n", name.c_str(), bytes, ops,
              ops * static_cast<double>(bytes) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  int ms = 1000;
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--ms") ms = std::atoi(argv[i + 1]);
    if (flag == "--reps") reps = std::atoi(argv[i + 1]);
  }
  DecodeParams params;
  params.overlay = overlay_hash(kSampleOverlayName);

  std::printf("encode+decode of one message (encode_message, then decode_message)\n\n");
  std::printf("| %-18s | %6s | %12s | %9s |\n", "message", "bytes", "messages/s", "MB/s");
  std::printf("|%s|%s|%s|%s|\n", std::string(20, '-').c_str(), std::string(8, '-').c_str(),
              std::string(14, '-').c_str(), std::string(11, '-').c_str());
  const std::vector<Sample> samples = all_samples();
  for (const Sample& s : samples) {
    auto op = [&] {
      auto enc = encode_message(s.message);
      auto dec = decode_message(*enc, params);
      g_sink = g_sink + (dec ? dec->contents.message_body.size() : 0);
    };
    row(s.name, s.bytes.size(), best_of(op, ms, reps));
  }

  std::printf("\nother paths (same columns)\n\n");
  const Sample& store = *std::find_if(samples.begin(), samples.end(),
                                      [](const Sample& s) { return s.name == "store_req"; });
  row("decode store_req", store.bytes.size(), best_of([&] {
        auto dec = decode_message(store.bytes, params);
        g_sink = g_sink + (dec ? 1 : 0);
      }, ms, reps));
  row("encode store_req", store.bytes.size(), best_of([&] {
        auto enc = encode_message(store.message);
        g_sink = g_sink + enc->size();
      }, ms, reps));
  Bytes frame = *encode_data_frame(1, store.bytes);
  row("deframe store_req", frame.size(), best_of([&] {
        Deframer d;
        (void)d.feed(frame);
        g_sink = g_sink + d.take_frames().size();
      }, ms, reps));
  Bytes large = large_sample();
  row("frag+reasm 4KB/1500", large.size(), best_of([&] {
        auto pieces = fragment_message(large, 1500);
        Reassembler r;
        for (const Bytes& p : *pieces) {
          auto res = r.add(p, Millis{0});
          g_sink = g_sink + (res && res->has_value() ? (*res)->size() : 0);
        }
      }, ms, reps));
  return 0;
}
