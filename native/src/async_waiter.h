// Futex waits that return a Promise. The waiting happens on the process-wide WaiterPool
// (waiter_pool.h): a few threads sleep on every pending word at once, so the event loop
// never blocks and idle waits cost no thread of their own and no periodic wake-ups.
#pragma once

#include <napi.h>

#include <memory>

#include "waiter_pool.h"

namespace shmring {

class WaitHub;

// JS class `AsyncWaiter`:
//   wait(int32Array, index, expected, timeoutMs) -> Promise<'ok'|'not-equal'|'timed-out'|'cancelled'>
//   cancel() -> boolean (whether a wait was pending), close(), ref(), unref()
// A pending wait keeps the process alive unless unref() was called; a closed waiter
// never does.
class AsyncWaiter : public Napi::ObjectWrap<AsyncWaiter> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AsyncWaiter(const Napi::CallbackInfo& info);
  ~AsyncWaiter() override;

  // On the JS thread: the pool finished `wait` (ignored unless it is the pending one).
  void Deliver(Napi::Env env, const std::shared_ptr<PoolWait>& wait);

 private:
  Napi::Value Wait(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RefLoop(const Napi::CallbackInfo& info);
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info);
  // Settles the pending promise and lets go of what the wait held.
  void Settle(Napi::Env env, WaitResult result, int err);

  WaitHub* hub_;
  bool closed_ = false;
  bool keepAlive_ = true;
  std::shared_ptr<PoolWait> pending_;  // the wait in the pool, until settled
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference array_;  // keeps the waited-on memory alive during the wait
};

// One per environment (main thread or worker): carries finished waits from the pool threads
// to the JS thread through one thread-safe function, referenced while any waiter keeps
// the loop alive.
class WaitHub final : public WaitSink {
 public:
  static WaitHub* Create(Napi::Env env);

  void Completed(std::shared_ptr<PoolWait> wait) override;
  void Hold(Napi::Env env);     // a pending wait keeps the loop alive
  void Release(Napi::Env env);  // ... no longer

 private:
  WaitHub() = default;
  static void CallJs(napi_env env, napi_value, void*, void* data);
  static void OnEnvCleanup(void* hub);
  static void Finalize(napi_env, void* hub, void*);

  napi_threadsafe_function tsfn_ = nullptr;
  int holds_ = 0;
};

}  // namespace shmring
