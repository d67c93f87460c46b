#include "async_waiter.h"

#include <cerrno>

#include "addon.h"
#include "errors.h"

namespace shmring {
namespace {

Napi::Error CodedError(Napi::Env env, const char* message, const char* code) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  return error;
}

}  // namespace

// ---- WaitHub ----

WaitHub* WaitHub::Create(Napi::Env env) {
  auto* hub = new WaitHub();
  napi_value name = Napi::String::New(env, "shmring.AsyncWaiter");
  napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, hub, Finalize, hub,
                                                       CallJs, &hub->tsfn_);
  if (status != napi_ok) {
    delete hub;
    NAPI_THROW_IF_FAILED(env, status, nullptr);
  }
  napi_unref_threadsafe_function(env, hub->tsfn_);  // referenced only while a wait keeps it
  // Registered after the thread-safe function, so it runs before Node tears that down
  // (cleanup hooks run in reverse order): no pool thread posts to it afterwards.
  napi_add_env_cleanup_hook(env, OnEnvCleanup, hub);
  return hub;
}

void WaitHub::OnEnvCleanup(void* data) {
  auto* hub = static_cast<WaitHub*>(data);
  // The environment's memory (the words waited on) is about to go: the pool must let go of
  // every wait of this environment first. Then Finalize frees the hub.
  WaiterPool::Get().RemoveAll(hub);
  napi_release_threadsafe_function(hub->tsfn_, napi_tsfn_abort);
}

void WaitHub::Finalize(napi_env, void* data, void*) { delete static_cast<WaitHub*>(data); }

void WaitHub::Completed(std::shared_ptr<PoolWait> wait) {
  auto* message = new std::shared_ptr<PoolWait>(std::move(wait));
  if (napi_call_threadsafe_function(tsfn_, message, napi_tsfn_nonblocking) != napi_ok) {
    delete message;  // the environment is going away: nobody awaits the promise
  }
}

void WaitHub::CallJs(napi_env env, napi_value, void*, void* data) {
  auto* message = static_cast<std::shared_ptr<PoolWait>*>(data);
  std::shared_ptr<PoolWait> wait = std::move(*message);
  delete message;
  if (env == nullptr || wait->owner == nullptr) return;  // torn down, or the waiter is gone
  static_cast<AsyncWaiter*>(wait->owner)->Deliver(Napi::Env(env), wait);
}

void WaitHub::Hold(Napi::Env env) {
  if (holds_++ == 0) napi_ref_threadsafe_function(env, tsfn_);
}

void WaitHub::Release(Napi::Env env) {
  if (--holds_ == 0) napi_unref_threadsafe_function(env, tsfn_);
}

// ---- AsyncWaiter ----

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
  AddonData* data = info.Env().GetInstanceData<AddonData>();
  if (data->waitHub == nullptr) data->waitHub = WaitHub::Create(info.Env());
  hub_ = data->waitHub;
}

AsyncWaiter::~AsyncWaiter() {
  // Only while the environment is torn down can a waiter with a pending wait be collected
  // (the wait holds a reference to it); the pool must stop reading the word either way.
  if (pending_) {
    WaiterPool::Get().Remove(pending_);
    pending_->owner = nullptr;
  }
}

Napi::Value AsyncWaiter::Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) throw CodedError(env, "AsyncWaiter is closed", "ERR_SHMRING_CLOSED");
  if (pending_) throw CodedError(env, "AsyncWaiter already has a pending wait", "ERR_SHMRING_BUSY");
  auto wait = std::make_shared<PoolWait>();
  wait->word = WordArg(info, 0);
  wait->expected = static_cast<int32_t>(IntegerArg(info, 2, "expected", INT32_MIN, INT32_MAX));
  double timeoutMs = TimeoutArg(info, 3);
  wait->deadline = Deadline::After(timeoutMs);
  wait->sink = hub_;
  wait->owner = this;

  // Settled at once when no sleep is needed: no thread hop, no event-loop turn.
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  if (__atomic_load_n(wait->word, __ATOMIC_SEQ_CST) != wait->expected) {
    deferred.Resolve(Napi::String::New(env, WaitResultName(WaitResult::kNotEqual)));
    return deferred.Promise();
  }
  if (timeoutMs == 0) {
    deferred.Resolve(Napi::String::New(env, WaitResultName(WaitResult::kTimedOut)));
    return deferred.Promise();
  }
  if (int err = WaiterPool::Get().Add(wait); err != 0) throw ErrnoError(env, err, "pthread_create", "");
  deferred_ = deferred;
  pending_ = std::move(wait);
  array_ = Napi::Persistent(info[0].As<Napi::Object>());
  Ref();  // this object must outlive the wait: its delivery comes back to it
  if (keepAlive_) hub_->Hold(env);
  return deferred_.Promise();
}

void AsyncWaiter::Deliver(Napi::Env env, const std::shared_ptr<PoolWait>& wait) {
  if (wait != pending_) return;  // settled by Close() already
  Settle(env, wait->result, wait->err);
}

void AsyncWaiter::Settle(Napi::Env env, WaitResult result, int err) {
  pending_->owner = nullptr;
  pending_.reset();
  array_.Reset();
  if (keepAlive_) hub_->Release(env);
  Napi::Promise::Deferred deferred = deferred_;
  try {
    if (err != 0) {
      deferred.Reject(ErrnoError(env, err, "futex_waitv", "").Value());
    } else {
      deferred.Resolve(Napi::String::New(env, WaitResultName(result)));
    }
  } catch (const Napi::Error&) {
    // The environment is shutting down and can run no more JS: nobody awaits the promise.
  }
  Unref();  // the wait's reference, taken in Wait()
}

Napi::Value AsyncWaiter::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!pending_) return Napi::Boolean::New(env, false);
  // Out of the pool and settled now, so that the next wait can start at once (a doorbell
  // that rang wants the loop back without a round trip through the pool thread); a delivery
  // already on its way finds nothing pending.
  WaiterPool::Get().Remove(pending_);
  Settle(env, WaitResult::kCancelled, 0);
  return Napi::Boolean::New(env, true);
}

Napi::Value AsyncWaiter::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  closed_ = true;
  if (pending_) {
    // Out of the pool now, and settled now rather than through a delivery, which an
    // unreferenced loop may never run; a delivery already on its way finds nothing pending.
    WaiterPool::Get().Remove(pending_);
    Settle(env, WaitResult::kCancelled, 0);
  }
  keepAlive_ = false;
  return env.Undefined();
}

Napi::Value AsyncWaiter::RefLoop(const Napi::CallbackInfo& info) {
  if (closed_ || keepAlive_) return info.Env().Undefined();
  keepAlive_ = true;
  if (pending_) hub_->Hold(info.Env());
  return info.Env().Undefined();
}

Napi::Value AsyncWaiter::UnrefLoop(const Napi::CallbackInfo& info) {
  if (!keepAlive_) return info.Env().Undefined();
  keepAlive_ = false;
  if (pending_) hub_->Release(info.Env());
  return info.Env().Undefined();
}

}  // namespace shmring
