#include "waiter_pool.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "fault_guard.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449  // the same on every architecture (asm-generic numbering)
#endif

namespace shmring {
namespace {

// struct futex_waitv of <linux/futex.h> (kernel 5.16), spelled out for older headers.
struct WaitvEntry {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};
constexpr uint32_t kFutexSize32 = 2;         // FUTEX_32
constexpr uint32_t kFutexPrivateFlag = 128;  // FUTEX_PRIVATE_FLAG
// A thread name holds at most 15 characters and the terminating zero.
constexpr char kThreadName[] = "shmring-wait";
static_assert(sizeof(time_t) == 8, "futex_waitv takes a 64-bit timespec");

// Without futex_waitv a thread sleeps on its one word in slices this long, so a wake that
// raced with a removal is never waited out for longer.
constexpr double kFallbackSliceMs = 100;

bool HasFutexWaitv() {
  // SHMRING_FUTEX_WAITV=0 takes the path of kernels before 5.16 (for tests and diagnosis).
  const char* setting = getenv("SHMRING_FUTEX_WAITV");
  if (setting != nullptr && strcmp(setting, "0") == 0) return false;
  // No futexes at all is EINVAL where the call exists, ENOSYS where it does not.
  long rc = syscall(SYS_futex_waitv, nullptr, 0, 0, nullptr, CLOCK_MONOTONIC);
  return !(rc < 0 && errno == ENOSYS);
}

const Deadline& Earlier(const Deadline& a, const Deadline& b) {
  if (a.infinite) return b;
  if (b.infinite) return a;
  return Deadline::Before(a, b) ? a : b;
}

}  // namespace

struct WaiterPool::Thread {
  uint32_t control = 0;  // private futex word: bumped and woken when the set of waits changes
  std::vector<std::shared_ptr<PoolWait>> waits;
};

WaiterPool& WaiterPool::Get() {
  static WaiterPool* pool = new WaiterPool();  // never destroyed: see the header
  return *pool;
}

WaiterPool::WaiterPool() : vectored_(HasFutexWaitv()) {}

size_t WaiterPool::Threads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

void WaiterPool::Poke(Thread* thread) {
  __atomic_add_fetch(&thread->control, 1, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, &thread->control, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

WaiterPool::Thread* WaiterPool::ThreadOf(const PoolWait* wait) {
  if (wait->thread >= threads_.size()) return nullptr;
  return threads_[wait->thread].get();
}

int WaiterPool::Add(const std::shared_ptr<PoolWait>& wait) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t capacity = vectored_ ? kWaitsPerThread : 1;
  // The least busy thread with room: a thread re-queues all its words whenever one of them
  // comes or goes, so spreading the waits over the threads there are keeps that cheap. A new
  // thread starts only when every thread is full.
  size_t index = threads_.size();
  for (size_t i = 0; i < threads_.size(); i++) {
    size_t load = threads_[i]->waits.size();
    if (load < capacity && (index == threads_.size() || load < threads_[index]->waits.size())) index = i;
  }
  if (index == threads_.size()) {
    auto thread = std::make_unique<Thread>();
    // Pool threads take no asynchronous signals (those belong to the event loop); faults
    // stay deliverable: the SIGBUS guard repairs a truncated word they read.
    sigset_t blocked, previous;
    sigfillset(&blocked);
    for (int sig : {SIGBUS, SIGSEGV, SIGFPE, SIGILL}) sigdelset(&blocked, sig);
    pthread_sigmask(SIG_SETMASK, &blocked, &previous);
    int err = 0;
    try {
      std::thread(&WaiterPool::Run, this, thread.get()).detach();
    } catch (const std::system_error& error) {
      err = error.code().value();
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (err != 0) return err;
    threads_.push_back(std::move(thread));
  }
  Thread* thread = threads_[index].get();
  wait->thread = index;
  thread->waits.push_back(wait);
  Poke(thread);
  return 0;
}

bool WaiterPool::Remove(const std::shared_ptr<PoolWait>& wait) {
  std::lock_guard<std::mutex> lock(mutex_);
  Thread* thread = ThreadOf(wait.get());
  if (thread == nullptr) return false;
  auto& waits = thread->waits;
  waits.erase(std::find(waits.begin(), waits.end(), wait));
  wait->thread = PoolWait::kNoThread;
  Poke(thread);
  if (!vectored_) FutexWake(wait->word, INT_MAX);
  return true;
}

void WaiterPool::RemoveAll(const WaitSink* sink) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& thread : threads_) {
    auto& waits = thread->waits;
    auto gone = std::remove_if(waits.begin(), waits.end(), [sink](const std::shared_ptr<PoolWait>& wait) {
      if (wait->sink != sink) return false;
      wait->thread = PoolWait::kNoThread;
      return true;
    });
    if (gone == waits.end()) continue;
    waits.erase(gone, waits.end());
    Poke(thread.get());
  }
}

void WaiterPool::Complete(Thread* thread, size_t index, WaitResult result, int err) {
  std::shared_ptr<PoolWait> wait = std::move(thread->waits[index]);
  thread->waits[index] = std::move(thread->waits.back());
  thread->waits.pop_back();
  wait->thread = PoolWait::kNoThread;
  wait->result = result;
  wait->err = err;
  WaitSink* sink = wait->sink;
  sink->Completed(std::move(wait));
}

// With the mutex held, after a sleep that returned `rc` (the index of the word that woke
// it, or -1 with `err`): completes every wait that is over.
void WaiterPool::Settle(Thread* thread, const std::vector<PoolWait*>& asleepOn, long rc, int err) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  // Slot 0 of the sleep was the control word, so wait i slept in slot i + 1.
  const PoolWait* woken = rc >= 1 && static_cast<size_t>(rc) <= asleepOn.size() ? asleepOn[rc - 1] : nullptr;
  bool failed = rc < 0 && err != EAGAIN && err != ETIMEDOUT && err != EINTR && err != EFAULT;
  for (size_t i = 0; i < thread->waits.size();) {
    PoolWait* wait = thread->waits[i].get();
    if (failed) {
      Complete(thread, i, WaitResult::kOk, err);
    } else if (wait == woken || __atomic_load_n(wait->word, __ATOMIC_SEQ_CST) != wait->expected) {
      // (A word on a truncated page faults in that load and is repaired with zeros.)
      Complete(thread, i, WaitResult::kOk, 0);
    } else if (rc < 0 && err == EFAULT &&
               syscall(SYS_futex, wait->word, FUTEX_WAKE, 0, nullptr, nullptr, 0) < 0 && errno == EFAULT) {
      // The kernel cannot reach this word and it is no guarded mapping (those were just
      // repaired by the load above): report it rather than spin on it.
      Complete(thread, i, WaitResult::kOk, EFAULT);
    } else if (!wait->deadline.infinite && !Deadline::Before(Deadline{false, now}, wait->deadline)) {
      Complete(thread, i, WaitResult::kTimedOut, 0);
    } else {
      i++;
    }
  }
}

void WaiterPool::Run(Thread* thread) {
  // Named, so that tools (top -H, /proc/<pid>/task/*/comm) and tests can tell the pool apart.
  // Best effort: a failure changes nothing else.
  pthread_setname_np(pthread_self(), kThreadName);
  std::vector<WaitvEntry> entries;
  std::vector<PoolWait*> asleepOn;  // identities only: never dereferenced after the sleep
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    uint32_t control = __atomic_load_n(&thread->control, __ATOMIC_SEQ_CST);
    entries.clear();
    asleepOn.clear();
    entries.push_back({control, reinterpret_cast<uintptr_t>(&thread->control), kFutexSize32 | kFutexPrivateFlag, 0});
    Deadline earliest;
    for (const auto& wait : thread->waits) {
      entries.push_back({static_cast<uint32_t>(wait->expected), reinterpret_cast<uintptr_t>(wait->word), kFutexSize32, 0});
      asleepOn.push_back(wait.get());
      earliest = Earlier(earliest, wait->deadline);
    }
    lock.unlock();
    long rc;
    int err = 0;
    if (vectored_) {
      rc = syscall(SYS_futex_waitv, entries.data(), entries.size(), 0, earliest.infinite ? nullptr : &earliest.at,
                   CLOCK_MONOTONIC);
      if (rc < 0) err = errno;
    } else if (entries.size() == 1) {
      rc = syscall(SYS_futex, &thread->control, FUTEX_WAIT_PRIVATE, control, nullptr, nullptr, 0);
      if (rc < 0) err = errno;
    } else {
      auto* word = reinterpret_cast<int32_t*>(entries[1].uaddr);
      WaitResult result = FutexWait(word, static_cast<int32_t>(entries[1].val),
                                    Earlier(earliest, Deadline::After(kFallbackSliceMs)), &err);
      rc = result == WaitResult::kOk && err == 0 ? 1 : -1;
      if (result == WaitResult::kNotEqual) err = EAGAIN;
      if (result == WaitResult::kTimedOut) err = ETIMEDOUT;
    }
    lock.lock();
    Settle(thread, asleepOn, rc, err);
  }
}

}  // namespace shmring
