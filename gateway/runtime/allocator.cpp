#include "gateway/runtime/allocator.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace p2psip::runtime {

namespace {

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

// jemalloc's mallctl when the process's malloc is jemalloc's: the symbol is found in the global
// scope (the executable's libraries, LD_PRELOAD) only when jemalloc is loaded.
Mallctl find_mallctl() {
  static const Mallctl fn = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  return fn;
}

std::size_t jemalloc_size(Mallctl ctl, const char* name) {
  std::size_t value = 0;
  std::size_t len = sizeof value;
  if (ctl(name, &value, &len, nullptr, 0) != 0) return 0;
  return value;
}

// "arena.<MALLCTL_ARENAS_ALL>.purge": MALLCTL_ARENAS_ALL is 4096 in jemalloc 5.
constexpr const char* kPurgeAllArenas = "arena.4096.purge";

}  // namespace

AllocatorKind allocator_kind() {
  return find_mallctl() ? AllocatorKind::kJemalloc : AllocatorKind::kGlibc;
}

std::string allocator_name() {
  Mallctl ctl = find_mallctl();
  if (!ctl) return "glibc malloc";
  const char* version = nullptr;
  std::size_t len = sizeof version;
  std::string name = "jemalloc";
  if (ctl("version", &version, &len, nullptr, 0) == 0 && version) name += std::string(" ") + version;
  bool background = false;
  len = sizeof background;
  if (ctl("background_thread", &background, &len, nullptr, 0) == 0 && background) {
    name += " (background purging)";
  }
  return name;
}

bool start_background_purging() {
  Mallctl ctl = find_mallctl();
  if (!ctl) return false;
  const char* env = std::getenv("MALLOC_CONF");
  bool operator_chose = env && std::strstr(env, "background_thread") != nullptr;
  if (!operator_chose) {
    bool on = true;
    (void)ctl("background_thread", nullptr, nullptr, &on, sizeof on);
  }
  bool running = false;
  std::size_t len = sizeof running;
  return ctl("background_thread", &running, &len, nullptr, 0) == 0 && running;
}

HeapUse heap_use() {
  if (Mallctl ctl = find_mallctl()) {
    // The stats are a snapshot taken at the last epoch: advance it first.
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    (void)ctl("epoch", &epoch, &len, &epoch, len);
    std::size_t allocated = jemalloc_size(ctl, "stats.allocated");
    std::size_t resident = jemalloc_size(ctl, "stats.resident");
    return {allocated, resident > allocated ? resident - allocated : 0};
  }
  struct mallinfo2 mi = mallinfo2();
  return {mi.uordblks, mi.fordblks};
}

void return_free_pages() {
  if (Mallctl ctl = find_mallctl()) {
    (void)ctl(kPurgeAllArenas, nullptr, nullptr, nullptr, 0);
    return;
  }
  malloc_trim(0);
}

}  // namespace p2psip::runtime
