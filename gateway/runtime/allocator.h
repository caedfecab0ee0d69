#pragma once
// The heap allocator the process runs on, its figures and how to give its free pages back.
//
// The gateway executable is linked with jemalloc (CMake option P2PSIP_JEMALLOC, default ON):
// under glibc's malloc a load that had passed the gateway's maximum left a heap of ~1 GB of
// scattered free chunks (nta frees each call's messages 32 s after it allocated them), and for
// the next minute _int_malloc's searches through them took 11% of the loop thread instead of 3%
// and setup p99 at 1,200 calls/s was ~42 ms instead of ~2 (bench/RESULTS-sip.md, "After an
// overload: glibc malloc against jemalloc"); jemalloc's size classes do not search. The
// libraries and the unit tests are not linked with it, so everything here asks at run time:
// jemalloc is in use when its `mallctl` resolves (linked, or preloaded).

#include <cstddef>
#include <string>

namespace p2psip::runtime {

struct HeapUse {
  std::size_t in_use = 0;  // bytes handed out to the program
  std::size_t free = 0;    // bytes the allocator holds but has not handed out
};

enum class AllocatorKind { kGlibc, kJemalloc };

// Detected once (thread-safe).
AllocatorKind allocator_kind();

// "jemalloc 5.3.0-0-g54eaed1d... (background purging)" or "glibc malloc", for the
// start-up log.
std::string allocator_name();

// jemalloc only, once the process is up (not at initialisation: see gateway/cli/jemalloc_conf.cpp):
// turns on its background thread, so that pages freed stay resident only for their decay time
// (dirty_decay_ms, 10 s) and are then returned also while the process is idle (without it
// jemalloc purges only from inside malloc/free: a gateway whose load stopped would keep the
// pages until the heap trimmer's next quiet tick, up to 30 s later). An operator's MALLOC_CONF
// naming background_thread is left to decide. True when the thread runs afterwards.
bool start_background_purging();

// glibc: mallinfo2 (uordblks, fordblks: every arena). jemalloc: stats.allocated and
// stats.resident - stats.allocated (free pages not yet returned, plus its metadata) after an
// epoch refresh.
HeapUse heap_use();

// Hands the free pages inside the heap back to the kernel. glibc: malloc_trim(0) (madvise of
// the whole free pages, not only the top; it walks every free chunk). jemalloc: purges every
// arena's dirty and muzzy pages at once instead of after their decay time (10 s; without
// jemalloc's background thread the decay runs only inside malloc/free, so an idle process
// would keep them).
void return_free_pages();

}  // namespace p2psip::runtime
