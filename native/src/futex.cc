#include "futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>

#include "errors.h"
#include "fault_guard.h"

namespace shmring {

const char* WaitResultName(WaitResult result) {
  switch (result) {
    case WaitResult::kOk: return "ok";
    case WaitResult::kNotEqual: return "not-equal";
    case WaitResult::kTimedOut: return "timed-out";
    case WaitResult::kCancelled: return "cancelled";
  }
  return "ok";
}

Deadline Deadline::After(double timeoutMs) {
  Deadline deadline;
  if (std::isinf(timeoutMs)) return deadline;
  deadline.infinite = false;
  clock_gettime(CLOCK_MONOTONIC, &deadline.at);
  // Timeouts are capped (TimeoutArg) so this cannot overflow time_t.
  int64_t ns = deadline.at.tv_nsec + static_cast<int64_t>(std::fmod(timeoutMs, 1000.0) * 1e6);
  deadline.at.tv_sec += static_cast<time_t>(timeoutMs / 1000.0) + ns / 1000000000;
  deadline.at.tv_nsec = ns % 1000000000;
  return deadline;
}

WaitResult FutexWait(int32_t* word, int32_t expected, const Deadline& deadline, int* err) {
  *err = 0;
  for (;;) {
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a retry after a
    // signal does not restart the full timeout.
    long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected,
                      deadline.infinite ? nullptr : &deadline.at, nullptr, FUTEX_BITSET_MATCH_ANY);
    if (rc == 0) return WaitResult::kOk;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return WaitResult::kNotEqual;
    if (errno == ETIMEDOUT) return WaitResult::kTimedOut;
    // The page under the word is gone (its segment was truncated): repaired with zero
    // pages and the mapping marked faulted; the caller re-checks and sees it broken.
    if (errno == EFAULT && fault_guard::MarkFaulted(word)) return WaitResult::kOk;
    *err = errno;
    return WaitResult::kOk;
  }
}

int FutexWake(int32_t* word, int count) {
  long woken = syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
  // Nobody can sleep on a truncated page: repair it (see FutexWait) and wake no one.
  if (woken < 0 && errno == EFAULT && fault_guard::MarkFaulted(word)) return 0;
  return static_cast<int>(woken);
}

int32_t* WordArg(const Napi::CallbackInfo& info, size_t arrayIndex) {
  Napi::Env env = info.Env();
  if (info.Length() <= arrayIndex || !info[arrayIndex].IsTypedArray() ||
      info[arrayIndex].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw ArgTypeError(env, "The \"array\" argument must be an Int32Array");
  }
  Napi::Int32Array array = info[arrayIndex].As<Napi::Int32Array>();
  size_t length = array.ElementLength();
  if (length == 0) throw ArgRangeError(env, "The \"array\" argument is empty or detached");
  int64_t index = IntegerArg(info, arrayIndex + 1, "index", 0, static_cast<int64_t>(length) - 1);
  // Int32Array elements are 4-byte aligned, as futex words must be.
  return array.Data() + index;
}

double TimeoutArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return INFINITY;
  if (!info[index].IsNumber()) throw ArgTypeError(info.Env(), "The \"timeoutMs\" argument must be of type number");
  double ms = info[index].As<Napi::Number>().DoubleValue();
  if (std::isnan(ms) || ms < 0) {
    throw ArgRangeError(info.Env(), "The \"timeoutMs\" argument must be >= 0 or Infinity");
  }
  // Beyond ~31 years is forever for our purposes, and keeps Deadline arithmetic in range.
  return ms > 1e12 ? INFINITY : ms;
}

Napi::Value FutexWaitSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* word = WordArg(info, 0);
  int32_t expected = static_cast<int32_t>(IntegerArg(info, 2, "expected", INT32_MIN, INT32_MAX));
  Deadline deadline = Deadline::After(TimeoutArg(info, 3));
  int err;
  WaitResult result = FutexWait(word, expected, deadline, &err);
  if (err != 0) throw ErrnoError(env, err, "futex", "");
  return Napi::String::New(env, WaitResultName(result));
}

Napi::Value FutexWakeSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* word = WordArg(info, 0);
  int count = static_cast<int>(IntegerArg(info, 2, "count", 0, INT32_MAX));
  int woken = FutexWake(word, count);
  if (woken < 0) throw ErrnoError(env, errno, "futex", "");
  return Napi::Number::New(env, woken);
}

}  // namespace shmring
