// jemalloc's options for the p2psip executable (gateway/runtime/allocator.h says why it runs on
// jemalloc). jemalloc reads this symbol when it initialises; MALLOC_CONF in the environment is
// applied after it, so an operator can still change them. Ignored where malloc is glibc's.
//
// Nothing is set here: the background purging thread is started once the process runs
// (runtime::start_background_purging), not at initialisation, where a process that exits at
// once (a configuration error) raced the thread's start and jemalloc printed "<jemalloc>:
// Error setting tsd." on its stderr (seen in CI, 2026-12-07).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "";
}
