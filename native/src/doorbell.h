// The process's doorbell: an abstract Unix datagram socket that the event loop itself polls.
// A consumer that sleeps on the event loop leaves the doorbell's address in its ring's
// metadata; a producer that wakes it sends a datagram there besides the futex wake, so the
// wake-up reaches JavaScript in one thread hop instead of two (a pool thread, then the loop).
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>

namespace shmring {

// JS class `Doorbell`: new Doorbell(nonce, onRing) binds "\0shmring.<pid>.<nonce>" and polls it
// on this environment's loop; onRing(token) runs for every 4-byte datagram received. The poll
// never keeps the loop alive. close() stops it; so does the environment going away.
// It has a timer too: setTimer(ms) calls onRing(0) once after `ms` (0 is no ring's token; a
// stray datagram of 0 only looks like an early tick), clearTimer() takes it back for good.
// Unlike a JavaScript timer cleared, neither leaves the loop a wake-up to make. While set, the
// timer keeps the loop alive if keepAlive(true) said so (the default).
class Doorbell : public Napi::ObjectWrap<Doorbell> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Doorbell(const Napi::CallbackInfo& info);
  ~Doorbell() override;

 private:
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value SetTimer(const Napi::CallbackInfo& info);
  Napi::Value ClearTimer(const Napi::CallbackInfo& info);
  Napi::Value KeepAlive(const Napi::CallbackInfo& info);
  static void OnReadable(uv_poll_t* handle, int status, int events);
  static void OnTimer(uv_timer_t* handle);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* self);
  // Calls onRing(token) from the loop.
  void Ring(int32_t token);
  // Stops polling, closes the socket and the timer; `hook`: the cleanup hook to remove once
  // both handles closed.
  void Stop(napi_async_cleanup_hook_handle hook);

  napi_env env_;
  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  Napi::FunctionReference onRing_;
};

// ringDoorbell(pid, nonce, token) -> boolean: one datagram carrying `token` to that doorbell.
// False only when it cannot arrive: nobody listens at that address in this network namespace
// (true when sent, when the doorbell's queue is full of rings yet to be read, and on errors of
// this side). Never throws for what it reads from shared memory.
Napi::Value RingDoorbell(const Napi::CallbackInfo& info);

}  // namespace shmring
