// A small, fixed set of threads that sleep on many futex words at once (futex_waitv, Linux
// 5.16+, up to 128 words per call), so any number of pending async waits in a process costs
// one thread per 127 of them and no periodic wake-ups. Each thread keeps its first slot for
// a private control word: adding or removing a wait bumps it and wakes the thread, which
// then sleeps again on its new set of words.
//
// On a kernel without futex_waitv each thread takes one wait and sleeps on it alone, in
// slices (a removal wakes the word itself; a slice bounds how long a missed wake can last).
// SHMRING_FUTEX_WAITV=0 in the environment forces that path (tests, diagnosis).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "futex.h"

namespace shmring {

class WaitSink;

// One wait handed to the pool. The fields above `result` are set before Add() and never
// change; the rest belong to the pool (under its mutex) until the wait is completed.
struct PoolWait {
  int32_t* word = nullptr;
  int32_t expected = 0;
  Deadline deadline;
  WaitSink* sink = nullptr;  // told when the wait ends; must outlive its waits in the pool
  void* owner = nullptr;     // the sink's own bookkeeping (the pool never reads it)

  WaitResult result = WaitResult::kOk;
  int err = 0;  // an errno when the wait failed
  size_t thread = kNoThread;  // index of the pool thread it waits on
  static constexpr size_t kNoThread = SIZE_MAX;
};

// Receives finished waits. Called on a pool thread with the pool's mutex held: it must be
// quick and must not call back into the pool.
class WaitSink {
 public:
  virtual void Completed(std::shared_ptr<PoolWait> wait) = 0;

 protected:
  ~WaitSink() = default;
};

class WaiterPool {
 public:
  // Waits per thread: 128 futexes per futex_waitv call, one kept for the control word.
  static constexpr size_t kWaitsPerThread = 127;

  // The process-wide pool (created on first use, never destroyed: its threads may be
  // asleep in the kernel when the process exits, which is fine).
  static WaiterPool& Get();

  // Starts waiting; the sink hears of the end. Returns 0, or an errno when no thread could
  // be started for it (then nothing was added).
  int Add(const std::shared_ptr<PoolWait>& wait);
  // Takes the wait out without completing it; true if it was still waiting. After this,
  // the pool never touches the wait's word again.
  bool Remove(const std::shared_ptr<PoolWait>& wait);
  // Remove() for every wait of `sink` (an environment going away).
  void RemoveAll(const WaitSink* sink);

  // How many threads the pool has started (diagnostics and tests).
  size_t Threads();

 private:
  struct Thread;

  WaiterPool();
  void Run(Thread* thread);
  void Settle(Thread* thread, const std::vector<PoolWait*>& asleepOn, long rc, int err);
  void Complete(Thread* thread, size_t index, WaitResult result, int err);
  static void Poke(Thread* thread);
  Thread* ThreadOf(const PoolWait* wait);

  std::mutex mutex_;
  std::vector<std::unique_ptr<Thread>> threads_;
  bool vectored_;  // futex_waitv is available
};

}  // namespace shmring
