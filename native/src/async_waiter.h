// Futex waits that return a Promise: a dedicated thread blocks in the kernel so the
// event loop never does. One wait at a time per waiter; the thread is reused.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "futex.h"

namespace shmring {

// JS class `AsyncWaiter`:
//   wait(int32Array, index, expected, timeoutMs) -> Promise<'ok'|'not-equal'|'timed-out'|'cancelled'>
//   cancel() -> boolean (whether a wait was pending), close(), ref(), unref()
// A pending wait keeps the process alive unless unref() was called; a closed waiter
// never does.
class AsyncWaiter : public Napi::ObjectWrap<AsyncWaiter> {
 public:
  // How often a waiting thread looks at its cancel flag by itself.
  static constexpr double kCancelCheckMs = 100;

  static Napi::Function Define(Napi::Env env);
  explicit AsyncWaiter(const Napi::CallbackInfo& info);
  ~AsyncWaiter() override;

 private:
  struct Job {
    int32_t* word = nullptr;
    int32_t expected = 0;
    Deadline deadline;
  };

  Napi::Value Wait(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RefLoop(const Napi::CallbackInfo& info);
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info);

  void Run();                                  // the waiter thread
  WaitResult WaitInSlices(const Job& job, int* err);  // on the waiter thread
  void Deliver(Napi::Env env, WaitResult result, int err);  // on the JS thread
  bool StopWaiting();                          // cancels the pending wait, if any
  void Shutdown();                             // stops and joins the thread
  static void OnEnvCleanup(void* waiter);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
  Job job_;
  bool hasJob_ = false;     // a wait is queued or in progress on the thread
  bool cancelled_ = false;  // the pending wait must end as 'cancelled'
  bool stopping_ = false;   // the thread must exit
  bool closed_ = false;     // JS side: no more waits accepted

  bool pending_ = false;    // JS side: a promise is unresolved
  bool keepAlive_ = true;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference array_;  // keeps the waited-on memory alive during the wait
  Napi::ThreadSafeFunction deliver_;
  bool cleanupHookRegistered_ = false;
};

}  // namespace shmring
