// jemalloc's options for the p2psip executable (gateway/runtime/allocator.h says why it runs on
// jemalloc). jemalloc reads this symbol when it initialises; MALLOC_CONF in the environment is
// applied after it, so an operator can still change them. Ignored where malloc is glibc's.
//
// background_thread:true: pages freed stay resident for their decay time (dirty_decay_ms,
// 10 s) and are then returned by jemalloc's own thread, also while the process is idle; without
// it jemalloc purges only from inside malloc/free, so a gateway whose load has stopped would
// keep the pages until the heap trimmer's next quiet tick (heap_trim.h), up to 30 s later.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "background_thread:true";
}
