#include "async_waiter.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <system_error>

#include "errors.h"

namespace shmring {
namespace {

// What the waiter thread hands back to the JS thread.
struct Outcome {
  WaitResult result;
  int err;
};

}  // namespace

Napi::Function AsyncWaiter::Define(Napi::Env env) {
  return DefineClass(env, "AsyncWaiter",
                     {
                         InstanceMethod<&AsyncWaiter::Wait>("wait"),
                         InstanceMethod<&AsyncWaiter::Cancel>("cancel"),
                         InstanceMethod<&AsyncWaiter::Close>("close"),
                         InstanceMethod<&AsyncWaiter::RefLoop>("ref"),
                         InstanceMethod<&AsyncWaiter::UnrefLoop>("unref"),
                     });
}

AsyncWaiter::AsyncWaiter(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<AsyncWaiter>(info), deferred_(Napi::Promise::Deferred::New(info.Env())) {
  Napi::Env env = info.Env();
  auto noop = Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  deliver_ = Napi::ThreadSafeFunction::New(env, noop, "shmring.AsyncWaiter", 0, 1);
  deliver_.Unref(env);  // referenced only while a wait is pending
  // Worker termination or process exit must not leave the thread blocked in the kernel.
  // (The raw C hook: node-addon-api's CleanupHook frees its data when the hook runs,
  // and again on Remove, so it cannot be removed from a destructor safely.)
  NAPI_THROW_IF_FAILED_VOID(env, napi_add_env_cleanup_hook(env, OnEnvCleanup, this));
  cleanupHookRegistered_ = true;
}

AsyncWaiter::~AsyncWaiter() {
  if (cleanupHookRegistered_) napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
  Shutdown();
}

void AsyncWaiter::OnEnvCleanup(void* data) {
  auto* waiter = static_cast<AsyncWaiter*>(data);
  waiter->cleanupHookRegistered_ = false;  // Node removes a hook once it has run
  waiter->Shutdown();
}

Napi::Value AsyncWaiter::Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) {
    Napi::Error error = Napi::Error::New(env, "AsyncWaiter is closed");
    error.Set("code", "ERR_SHMRING_CLOSED");
    throw error;
  }
  if (pending_) {
    Napi::Error error = Napi::Error::New(env, "AsyncWaiter already has a pending wait");
    error.Set("code", "ERR_SHMRING_BUSY");
    throw error;
  }
  Job job;
  job.word = WordArg(info, 0);
  job.expected = static_cast<int32_t>(IntegerArg(info, 2, "expected", INT32_MIN, INT32_MAX));
  job.deadline = Deadline::After(TimeoutArg(info, 3));

  if (!thread_.joinable()) {
    // Before any state changes: a thread that cannot start (EAGAIN) fails only this call.
    try {
      thread_ = std::thread(&AsyncWaiter::Run, this);
    } catch (const std::system_error& error) {
      throw ErrnoError(env, error.code().value(), "pthread_create", "");
    }
  }
  deferred_ = Napi::Promise::Deferred::New(env);
  array_ = Napi::Persistent(info[0].As<Napi::Object>());
  pending_ = true;
  Ref();  // this object must outlive the job: the thread and its delivery use it
  if (keepAlive_) deliver_.Ref(env);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = job;
    hasJob_ = true;
    cancelled_ = false;
  }
  changed_.notify_one();
  return deferred_.Promise();
}

void AsyncWaiter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return hasJob_ || stopping_; });
    if (stopping_) return;
    Job job = job_;
    WaitResult result = WaitResult::kCancelled;
    int err = 0;
    if (!cancelled_) {
      lock.unlock();
      result = WaitInSlices(job, &err);
      lock.lock();
      if (cancelled_) result = WaitResult::kCancelled;
    }
    // Post before acknowledging, so a Close() that follows still settles the promise.
    auto* outcome = new Outcome{result, err};
    napi_status status = deliver_.NonBlockingCall(outcome, [this](Napi::Env env, Napi::Function, Outcome* o) {
      WaitResult r = o->result;
      int e = o->err;
      delete o;
      if (env == nullptr) return;
      Deliver(env, r, e);
      Unref();  // the job's reference, taken in Wait(): only now is `this` no longer needed
    });
    if (status != napi_ok) delete outcome;  // the environment is going away
    hasJob_ = false;
    changed_.notify_all();  // StopWaiting() waits for this acknowledgement
  }
}

WaitResult AsyncWaiter::WaitInSlices(const Job& job, int* err) {
  // A cancel wakes the word, but a wake cannot reach this thread once the memory under it
  // was remapped (a segment closed meanwhile): sleep in slices and look at the flag too.
  for (;;) {
    Deadline slice = Deadline::After(kCancelCheckMs);
    bool last = !job.deadline.infinite && !Deadline::Before(slice, job.deadline);
    WaitResult result = FutexWait(job.word, job.expected, last ? job.deadline : slice, err);
    if (result != WaitResult::kTimedOut || last) return result;
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) return WaitResult::kCancelled;
  }
}

void AsyncWaiter::Deliver(Napi::Env env, WaitResult result, int err) {
  if (!pending_) return;  // already settled by Close()
  pending_ = false;
  Napi::Promise::Deferred deferred = deferred_;
  array_.Reset();
  if (keepAlive_) deliver_.Unref(env);
  try {
    if (err != 0) {
      deferred.Reject(ErrnoError(env, err, "futex", "").Value());
    } else {
      deferred.Resolve(Napi::String::New(env, WaitResultName(result)));
    }
  } catch (const Napi::Error&) {
    // The environment is shutting down and can run no more JS: nobody awaits the promise.
  }
}

bool AsyncWaiter::StopWaiting() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!hasJob_) return false;
  cancelled_ = true;
  int32_t* word = job_.word;
  // The thread may be between its check of `cancelled_` and entering the kernel, where
  // a single wake would be lost; wake again until it acknowledges (microseconds).
  while (hasJob_) {
    FutexWake(word, INT_MAX);
    changed_.wait_for(lock, std::chrono::milliseconds(1));
  }
  return true;
}

Napi::Value AsyncWaiter::Cancel(const Napi::CallbackInfo& info) {
  // The delivery callback resolves the promise with 'cancelled'.
  return Napi::Boolean::New(info.Env(), StopWaiting() || pending_);
}

void AsyncWaiter::Shutdown() {
  StopWaiting();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  deliver_.Release();
}

Napi::Value AsyncWaiter::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  closed_ = true;
  if (keepAlive_ && pending_) deliver_.Unref(env);
  keepAlive_ = false;
  Shutdown();
  // Settle the pending promise now rather than through the queued delivery, which an
  // unreferenced loop may never run; that delivery then finds nothing pending.
  Deliver(env, WaitResult::kCancelled, 0);
  return env.Undefined();
}

Napi::Value AsyncWaiter::RefLoop(const Napi::CallbackInfo& info) {
  if (closed_) return info.Env().Undefined();
  if (!keepAlive_ && pending_) deliver_.Ref(info.Env());
  keepAlive_ = true;
  return info.Env().Undefined();
}

Napi::Value AsyncWaiter::UnrefLoop(const Napi::CallbackInfo& info) {
  if (keepAlive_ && pending_) deliver_.Unref(info.Env());
  keepAlive_ = false;
  return info.Env().Undefined();
}

}  // namespace shmring
