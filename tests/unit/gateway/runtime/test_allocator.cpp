// gateway/runtime/allocator.h: which malloc the process runs on and its heap figures. Runs twice:
// in unit_gateway (glibc's malloc) and in unit_gateway_jemalloc (jemalloc preloaded,
// P2PSIP_EXPECT_ALLOCATOR=jemalloc), the allocator of the p2psip executable.

#include <dlfcn.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gateway/runtime/allocator.h"

using p2psip::runtime::AllocatorKind;

namespace {

AllocatorKind expected_allocator() {
  const char* want = std::getenv("P2PSIP_EXPECT_ALLOCATOR");
  return want && std::string(want) == "jemalloc" ? AllocatorKind::kJemalloc : AllocatorKind::kGlibc;
}

}  // namespace

TEST_CASE("allocator: the process's malloc is detected (glibc, or jemalloc when loaded)") {
  AllocatorKind want = expected_allocator();
  CHECK(p2psip::runtime::allocator_kind() == want);
  std::string name = p2psip::runtime::allocator_name();
  INFO("allocator_name() = " << name);
  if (want == AllocatorKind::kJemalloc) {
    CHECK(name.rfind("jemalloc 5.", 0) == 0);
  } else {
    CHECK(name == "glibc malloc");
  }
}

TEST_CASE("allocator: start_background_purging() starts jemalloc's thread unless MALLOC_CONF names it") {
  if (expected_allocator() == AllocatorKind::kGlibc) {
    CHECK_FALSE(p2psip::runtime::start_background_purging());
    CHECK(p2psip::runtime::allocator_name() == "glibc malloc");
    return;
  }
  // The operator's choice (MALLOC_CONF is read again at each call) is left alone.
  const char* before = std::getenv("MALLOC_CONF");
  std::string saved = before ? before : "";
  setenv("MALLOC_CONF", "background_thread:false", 1);
  CHECK_FALSE(p2psip::runtime::start_background_purging());
  unsetenv("MALLOC_CONF");
  CHECK(p2psip::runtime::start_background_purging());
  CHECK(p2psip::runtime::allocator_name().find("(background purging)") != std::string::npos);
  if (!saved.empty()) setenv("MALLOC_CONF", saved.c_str(), 1);
  // Off again, so that the other cases see pages return only when they purge them.
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  auto ctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  bool off = false;
  bool found = ctl != nullptr;
  REQUIRE(found);
  CHECK(ctl("background_thread", nullptr, nullptr, &off, sizeof off) == 0);
}

// The sanitizers' allocator is neither: mallinfo2 sees none of its blocks.
#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("allocator: heap_use() counts what is held, and what is freed as free") {
  constexpr std::size_t kBlock = 1000;
  constexpr std::size_t kBlocks = 64 * 1024;  // 64 MB
  auto before = p2psip::runtime::heap_use();
  std::vector<std::unique_ptr<char[]>> blocks(kBlocks);
  for (auto& b : blocks) {
    b.reset(new char[kBlock]);
    std::memset(b.get(), 1, kBlock);
  }
  auto held = p2psip::runtime::heap_use();
  INFO("in use before " << before.in_use << ", held " << held.in_use);
  CHECK(held.in_use >= before.in_use + kBlock * kBlocks);
  // Every block but one in 64 freed: in use falls, the pages stay with the allocator as free.
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i % 64 != 63) blocks[i].reset();
  }
  auto freed = p2psip::runtime::heap_use();
  INFO("after the frees: in use " << freed.in_use << ", free " << freed.free);
  CHECK(freed.in_use + kBlock * kBlocks / 2 < held.in_use);
  CHECK(freed.free >= kBlock * kBlocks / 2);
  // Given back: what the allocator holds free falls.
  p2psip::runtime::return_free_pages();
  auto returned = p2psip::runtime::heap_use();
  INFO("after return_free_pages: free " << returned.free);
  if (p2psip::runtime::allocator_kind() == AllocatorKind::kJemalloc) {
    // jemalloc's free figure is resident pages: a purge unmaps them.
    CHECK(returned.free + kBlock * kBlocks / 2 < freed.free);
  }
}
#endif
