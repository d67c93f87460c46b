// The SIGBUS guard: a peer that truncates a POSIX shm or file-backed segment under our
// mapping must not kill this process. Every mapping the addon hands out is registered in a
// fixed-size, lock-free table; a SIGBUS whose address falls in one of them maps zero pages
// over the lost range (the faulting page to the end of the mapping), sets that mapping's
// health word, and returns, so the access completes (reading zeros) and JavaScript learns
// of it from the health word. Any other SIGBUS goes to the handler that was installed
// before ours (or kills the process as it would have).
//
// Plain C++ with no Node-API, so test/c can link it into a small program.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmring {
namespace fault_guard {

// How many mappings can be guarded at once in one process: as many as the kernel allows
// by default (vm.max_map_count is 65530), so the table is never what refuses a segment.
constexpr int kMaxMappings = 65536;

// Health word values (one int32 per table slot).
constexpr int32_t kHealthy = 0;
constexpr int32_t kFaulted = 1;

// Installs the SIGBUS handler once per process (later calls do nothing). Returns 0 or an
// errno from sigaction.
int Install();

// Registers [addr, addr + length) (page-aligned addr) and returns its slot, or -1 when the
// table is full. The slot's health word starts healthy.
int Register(void* addr, size_t length);

// Forgets a slot; call before unmapping its range.
void Unregister(int slot);

// The slot whose range holds `addr`, or -1.
int SlotOf(const void* addr);

// If `addr` lies in a guarded mapping: maps private zero pages over [page of addr, end of
// mapping), marks the mapping faulted and returns true. Async-signal-safe.
bool MarkFaulted(const void* addr);

// The kMaxMappings health words, in a page-aligned block that lives as long as the process.
int32_t* HealthWords();

}  // namespace fault_guard
}  // namespace shmring
