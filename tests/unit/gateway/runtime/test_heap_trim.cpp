// should_trim: trims when a large share of the heap is free (a load has fallen), not under a
// steady load, and once per change of the heap (a trim leaves the chunks counted free).
// HeapTrimmer on a real su_root: the freed heap of many small blocks goes back to the system.
#include <doctest/doctest.h>

#include <sofia-sip/su_wait.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/heap_trim.h"
#include "spdlog/sinks/null_sink.h"

using p2psip::runtime::HeapUse;
using p2psip::runtime::quiet;
using p2psip::runtime::should_trim;
using p2psip::runtime::TrimPolicy;

namespace {

constexpr std::size_t kMiB = 1u << 20;

std::size_t rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  std::size_t kib = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtoul(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

}  // namespace

TEST_CASE("should_trim: a fallen load is trimmed, a steady one and small heaps are not") {
  TrimPolicy p;  // 16 MiB, free >= half of in use
  CHECK(should_trim({.in_use = 20 * kMiB, .free = 200 * kMiB}, std::nullopt, p));
  CHECK(should_trim({.in_use = 100 * kMiB, .free = 50 * kMiB}, std::nullopt, p));  // the boundary
  CHECK_FALSE(should_trim({.in_use = 100 * kMiB, .free = 49 * kMiB}, std::nullopt, p));
  CHECK_FALSE(should_trim({.in_use = 240 * kMiB, .free = 20 * kMiB}, std::nullopt, p));  // under load
  CHECK_FALSE(should_trim({.in_use = 1 * kMiB, .free = 15 * kMiB}, std::nullopt, p));   // small
  CHECK(should_trim({.in_use = 1 * kMiB, .free = 16 * kMiB}, std::nullopt, p));
}

TEST_CASE("should_trim: once per change of the heap, not on every tick of an idle process") {
  TrimPolicy p;
  HeapUse idle{.in_use = 20 * kMiB, .free = 200 * kMiB};
  CHECK_FALSE(should_trim(idle, idle, p));
  CHECK_FALSE(should_trim({.in_use = 30 * kMiB, .free = 190 * kMiB}, idle, p));  // moved 10 MiB
  CHECK(should_trim({.in_use = 36 * kMiB, .free = 184 * kMiB}, idle, p));        // moved 16 MiB
  CHECK(should_trim({.in_use = 4 * kMiB, .free = 216 * kMiB}, idle, p));         // freed 16 MiB
}

TEST_CASE("quiet: a trim's stall waits for SIP to be quiet") {
  TrimPolicy p;  // 10 messages per period
  CHECK(quiet(0, p));
  CHECK(quiet(10, p));
  CHECK_FALSE(quiet(11, p));
}

TEST_CASE("HeapTrimmer: the free pages of a fragmented heap go back to the system") {
  p2psip::runtime::SofiaLibrary sofia;
  auto created = p2psip::runtime::EventLoop::create();
  REQUIRE(created);
  su_root_t* root = (*created)->su_root();
  {
    // 256 MiB of 4 KiB blocks; every block but one in 64 freed: the heap's top stays in use, so
    // free() alone returns nothing (glibc trims only the top).
    std::vector<std::unique_ptr<char[]>> blocks(65536);
    for (auto& b : blocks) {
      b.reset(new char[4000]);
      std::memset(b.get(), 1, 4000);
    }
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      if (i % 64 != 63) blocks[i].reset();
    }
    std::size_t before = rss_kib();
    p2psip::SystemClock clock;
    auto log = std::make_shared<spdlog::logger>("heap", std::make_shared<spdlog::sinks::null_sink_mt>());
    if (p2psip::runtime::heap_use().free < (128u << 20)) {
      // Not glibc's malloc (the sanitizer build's allocator): mallinfo2 sees none of the blocks
      // freed above, so the trimmer, quiet or not, finds nothing to give back and never trims.
      p2psip::runtime::HeapTrimmer other(root, clock, p2psip::Millis{1}, TrimPolicy{},
                                         [] { return std::uint64_t{0}; }, log);
      for (int i = 0; i < 1000 && other.ticks() < 5; ++i) su_root_step(root, 10);
      REQUIRE(other.ticks() >= 5);
      CHECK(other.trims() == 0);
      return;
    }
    // Busy: 11 messages per tick, no trim however much is free.
    std::uint64_t messages = 0;
    {
      p2psip::runtime::HeapTrimmer busy(root, clock, p2psip::Millis{1}, TrimPolicy{},
                                        [&messages] { return messages += 11; }, log);
      for (int i = 0; i < 1000 && busy.ticks() < 5; ++i) su_root_step(root, 10);
      REQUIRE(busy.ticks() >= 5);
      CHECK(busy.trims() == 0);
    }
    p2psip::runtime::HeapTrimmer trimmer(root, clock, p2psip::Millis{1}, TrimPolicy{},
                                         [&messages] { return messages += 10; }, log);
    for (int i = 0; i < 1000 && trimmer.trims() == 0; ++i) su_root_step(root, 10);
    REQUIRE(trimmer.trims() == 1);
    std::size_t after = rss_kib();
    INFO("RSS before " << before << " KiB, after " << after << " KiB");
    CHECK(after + 128 * 1024 < before);  // most of the ~250 MiB freed went back
    // Idle: ticks go on (the timer repeats), the heap does not change, no second trim.
    std::size_t ticks = trimmer.ticks();
    for (int i = 0; i < 1000 && trimmer.ticks() < ticks + 5; ++i) su_root_step(root, 10);
    REQUIRE(trimmer.ticks() >= ticks + 5);
    CHECK(trimmer.trims() == 1);  // idle: not again
  }
}
