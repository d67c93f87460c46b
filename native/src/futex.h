// Linux futexes on 32-bit words in shared memory: the cross-process wake-up mechanism.
// (V8's Atomics.wait/notify only wake threads of the same process.)
#pragma once

#include <napi.h>

#include <cstdint>
#include <ctime>

namespace shmring {

enum class WaitResult { kOk, kNotEqual, kTimedOut, kCancelled };

const char* WaitResultName(WaitResult result);

// A deadline on CLOCK_MONOTONIC, or none (wait forever).
struct Deadline {
  bool infinite = true;
  timespec at{};
  static Deadline After(double timeoutMs);
  // Whether `a` comes strictly before `b` (both finite).
  static bool Before(const Deadline& a, const Deadline& b) {
    return a.at.tv_sec < b.at.tv_sec || (a.at.tv_sec == b.at.tv_sec && a.at.tv_nsec < b.at.tv_nsec);
  }
};

// FUTEX_WAIT (shared, not the private variant) until woken, the word differs from
// `expected`, or the deadline passes. Retries after signals. Returns 0 or an errno
// other than EAGAIN/ETIMEDOUT/EINTR through `err` for unexpected failures.
WaitResult FutexWait(int32_t* word, int32_t expected, const Deadline& deadline, int* err);

// Wakes up to `count` waiters; returns how many woke, or -1 with errno set.
int FutexWake(int32_t* word, int count);

// Reads (int32Array, index) arguments into a word pointer, bounds-checked.
int32_t* WordArg(const Napi::CallbackInfo& info, size_t arrayIndex);
// Reads a timeout in ms: a number >= 0, Infinity or undefined (forever).
double TimeoutArg(const Napi::CallbackInfo& info, size_t index);

// JS: futexWait(int32Array, index, expected, timeoutMs) -> 'ok' | 'not-equal' | 'timed-out'
Napi::Value FutexWaitSync(const Napi::CallbackInfo& info);
// JS: futexWake(int32Array, index, count) -> number woken
Napi::Value FutexWakeSync(const Napi::CallbackInfo& info);

}  // namespace shmring
