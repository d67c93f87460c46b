#include "fault_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace shmring {
namespace fault_guard {
namespace {

enum SlotState : int { kFree = 0, kClaimed = 1, kLive = 2 };

// One guarded mapping. The handler reads these with plain atomic loads: no lock, no malloc.
struct Entry {
  std::atomic<int> state{kFree};
  std::atomic<uintptr_t> start{0};
  std::atomic<size_t> length{0};
};
static_assert(std::atomic<int>::is_always_lock_free, "lock-free slot state");
static_assert(std::atomic<uintptr_t>::is_always_lock_free, "lock-free range start");
static_assert(std::atomic<size_t>::is_always_lock_free, "lock-free range length");

Entry g_entries[kMaxMappings];
// One past the highest slot ever used: lookups scan no further.
std::atomic<int> g_slotsInUse{0};
// Page-aligned, so JavaScript can see it as a SharedArrayBuffer of its own.
alignas(65536) int32_t g_health[kMaxMappings];

uintptr_t g_pageSize = 4096;  // set by Install(); sysconf is not async-signal-safe
struct sigaction g_previous;  // the SIGBUS disposition before ours
std::once_flag g_installed;
int g_installError = 0;

// Hands a SIGBUS that is not ours to whoever had it before us.
void Chain(int sig, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) g_previous.sa_sigaction(sig, info, context);
    return;
  }
  bool sent = info == nullptr || info->si_code <= 0;  // kill(2)/raise, not a fault
  if (g_previous.sa_handler == SIG_IGN && sent) return;
  if (g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != SIG_DFL) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action (a fault cannot be ignored either): restore it. A fault re-runs the
  // instruction on return and dies by it; a sent signal must be raised again (it stays
  // pending while this handler runs and is delivered on return).
  struct sigaction fallback = {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(sig, &fallback, nullptr);
  if (sent) raise(sig);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  // Only a fault by the hardware/kernel names an address; a sent SIGBUS is never ours.
  bool repaired = info != nullptr && info->si_code > 0 && MarkFaulted(info->si_addr);
  errno = savedErrno;
  if (!repaired) Chain(sig, info, context);
}

void InstallOnce() {
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0) g_pageSize = static_cast<uintptr_t>(page);
  struct sigaction action = {};
  action.sa_sigaction = OnSigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGBUS, &action, &g_previous) != 0) g_installError = errno;
}

}  // namespace

int Install() {
  std::call_once(g_installed, InstallOnce);
  return g_installError;
}

int Register(void* addr, size_t length) {
  for (int i = 0; i < kMaxMappings; i++) {
    int expected = kFree;
    if (!g_entries[i].state.compare_exchange_strong(expected, kClaimed)) continue;
    g_entries[i].start.store(reinterpret_cast<uintptr_t>(addr));
    g_entries[i].length.store(length);
    __atomic_store_n(&g_health[i], kHealthy, __ATOMIC_SEQ_CST);
    int seen = g_slotsInUse.load();
    while (seen < i + 1 && !g_slotsInUse.compare_exchange_weak(seen, i + 1)) {
    }
    g_entries[i].state.store(kLive);  // seq_cst: the range and the bound are visible first
    return i;
  }
  return -1;
}

void Unregister(int slot) {
  if (slot < 0 || slot >= kMaxMappings) return;
  g_entries[slot].state.store(kFree);
}

int SlotOf(const void* addr) {
  uintptr_t at = reinterpret_cast<uintptr_t>(addr);
  int bound = g_slotsInUse.load();
  for (int i = 0; i < bound; i++) {
    if (g_entries[i].state.load() != kLive) continue;
    uintptr_t start = g_entries[i].start.load();
    if (at >= start && at - start < g_entries[i].length.load()) return i;
  }
  return -1;
}

bool MarkFaulted(const void* addr) {
  int slot = SlotOf(addr);
  if (slot < 0) return false;
  uintptr_t start = g_entries[slot].start.load();
  uintptr_t end = start + g_entries[slot].length.load();
  uintptr_t page = reinterpret_cast<uintptr_t>(addr) & ~(g_pageSize - 1);
  if (page < start) page = start;
  // Pages before the faulting one stay shared: if they are lost too, touching them faults
  // and lands here again. A range ends on a page boundary only if the mapping does.
  void* zeros = mmap(reinterpret_cast<void*>(page), end - page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (zeros == MAP_FAILED) return false;  // cannot repair: die as we would have
  __atomic_store_n(&g_health[slot], kFaulted, __ATOMIC_SEQ_CST);
  return true;
}

int32_t* HealthWords() { return g_health; }

}  // namespace fault_guard
}  // namespace shmring
