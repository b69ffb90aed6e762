// The allocator's side of a long-running service: a reload frees the previous
// catalog's automata (tens of MB with a large base) on whichever threads ran
// it, and glibc keeps freed memory in each thread's arena; without handing it
// back, RSS grew with every reload (docs/PERFORMANCE.md, "Memory across reloads").
#pragma once

namespace aalayer::service {

// At most two malloc arenas for the whole process, before any thread starts:
// glibc gives threads up to 8 per core, and memory freed into one is not
// reused by another thread's allocations. Measured by reload-bench (100 layers,
// 20 reloads): RSS flat at 32-37 MiB with two, against growing to 111 MiB
// with glibc's default, at the same reload time.
void limit_malloc_arenas();

// Returns the free memory of every malloc arena to the kernel (malloc_trim).
void return_free_memory();

}  // namespace aalayer::service
