#pragma once
// Giving the heap nta has freed back to the kernel (issue 18, memory under call load).
//
// nta holds every call's messages in its transactions for up to 32 s (Timers D and J,
// bench/RESULTS-memory.md) and frees them in an order unrelated to the order they were
// allocated in, so once a load falls the heap is mostly free chunks under a still-used top.
// glibc's free() returns memory to the kernel only from the top of the heap (M_TRIM_THRESHOLD):
// the process stayed at its peak RSS (313 MB after a 300 calls/s load that had ended) until
// the next load reused it. malloc_trim(0) also hands back the whole free pages inside the heap
// (madvise MADV_DONTNEED; glibc >= 2.8), which the kernel maps in again when malloc reuses them.
//
// A trim stalls the event loop: it consolidates and walks every free chunk (270 ms for 275 MB
// freed in 2 million small blocks, measured; mallinfo2 alone 12 ms), and pages it gives back
// under a load fault in again at once. So HeapTrimmer acts only when SIP is quiet: every
// `period` it counts the SIP messages received since the last tick (`max_messages` or fewer,
// default 2/s: nothing waits long behind a stall, SIP's first retransmission is after 500 ms,
// and the overload gate's loop lag is a mean over 80 ms), then looks at the heap (mallinfo2:
// bytes in use, bytes free) and trims when should_trim() says so: enough free (`min_free`)
// and free a large share of the heap (`min_free_share` of in-use), i.e. a load has fallen.
// A gateway that goes from a peak to a steady lower rate keeps its peak's RSS (no trim while
// busy). Loop thread.
//
// The figures and the trim are the allocator's (allocator.h): the above is glibc's malloc. The
// gateway executable runs on jemalloc, whose background thread (start_background_purging,
// allocator.h) returns freed pages after their 10 s decay; there the trim purges every arena at
// once, under the same policy, and rarely finds enough free to act.

#include <spdlog/logger.h>
#include <sofia-sip/su_wait.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "common/clock.h"
#include "gateway/runtime/allocator.h"
#include "gateway/sip/sofia_handles.h"

namespace p2psip::runtime {

struct TrimPolicy {
  std::size_t min_free = 16u << 20;  // below this a trim is not worth the walk
  double min_free_share = 0.5;       // free >= this * in_use
  std::uint64_t max_messages = 10;   // SIP messages received in one period (30 s in the gateway): quiet
};

// Pure: is SIP quiet enough for a stall? `messages`: received since the previous tick.
bool quiet(std::uint64_t messages, const TrimPolicy& policy);

// Pure: trim now? `last`: the heap as it was at the previous trim, if any. A trim leaves the
// chunks it emptied in the free lists (mallinfo2 still counts them free), so the heap must
// have changed by `min_free` since the last one: an idle process is trimmed once.
bool should_trim(const HeapUse& heap, const std::optional<HeapUse>& last, const TrimPolicy& policy);

class HeapTrimmer {
 public:
  // `messages_received`: a running count of the SIP messages received.
  HeapTrimmer(su_root_t* root, const Clock& clock, Millis period, TrimPolicy policy,
              std::function<std::uint64_t()> messages_received, std::shared_ptr<spdlog::logger> log);
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  std::size_t trims() const { return trims_; }
  std::size_t ticks() const { return ticks_; }

 private:
  static void on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);
  void tick();

  const Clock& clock_;
  TrimPolicy policy_;
  std::function<std::uint64_t()> messages_received_;
  std::uint64_t messages_at_tick_ = 0;
  std::shared_ptr<spdlog::logger> log_;
  sip::sofia::Timer timer_;
  std::size_t trims_ = 0;
  std::size_t ticks_ = 0;
  std::optional<HeapUse> last_;  // at the previous trim
};

}  // namespace p2psip::runtime
