#include "gateway/runtime/heap_trim.h"

#include <algorithm>

namespace p2psip::runtime {

bool should_trim(const HeapUse& heap, const std::optional<HeapUse>& last, const TrimPolicy& policy) {
  if (heap.free < policy.min_free) return false;
  if (last) {
    std::size_t moved = heap.in_use > last->in_use ? heap.in_use - last->in_use : last->in_use - heap.in_use;
    if (moved < policy.min_free) return false;
  }
  return static_cast<double>(heap.free) >= policy.min_free_share * static_cast<double>(heap.in_use);
}

bool quiet(std::uint64_t messages, const TrimPolicy& policy) { return messages <= policy.max_messages; }

HeapTrimmer::HeapTrimmer(su_root_t* root, const Clock& clock, Millis period, TrimPolicy policy,
                         std::function<std::uint64_t()> messages_received,
                         std::shared_ptr<spdlog::logger> log)
    : clock_(clock), policy_(policy), messages_received_(std::move(messages_received)), log_(std::move(log)) {
  auto ms = static_cast<unsigned>(std::max(period, Millis{1}).count());
  timer_ = sip::sofia::make_timer(root, ms);
  // Every `period` from the last tick (su_timer_set_interval would fire once; su_timer_run
  // would catch up on ticks a long trim made it miss).
  if (timer_) {
    su_timer_set_for_ever(timer_.get(), &HeapTrimmer::on_timer, reinterpret_cast<su_timer_arg_t*>(this));
  }
}

void HeapTrimmer::on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  reinterpret_cast<HeapTrimmer*>(arg)->tick();
}

void HeapTrimmer::tick() {
  ++ticks_;
  std::uint64_t messages = messages_received_ ? messages_received_() : 0;
  std::uint64_t since = messages - messages_at_tick_;
  messages_at_tick_ = messages;
  if (!quiet(since, policy_)) return;
  HeapUse before = heap_use();
  if (!should_trim(before, last_, policy_)) return;
  Millis start = clock_.monotonic();
  return_free_pages();
  ++trims_;
  last_ = before;
  log_->info("heap: {} MB in use, {} MB free: returned the free pages to the system ({} ms)",
             before.in_use >> 20, before.free >> 20, (clock_.monotonic() - start).count());
}

}  // namespace p2psip::runtime
