// Entry point: registers segments, futex calls, the async waiter and the doorbell.
#include <napi.h>

#include "addon.h"
#include "errors.h"
#include "async_waiter.h"
#include "doorbell.h"
#include "fault_guard.h"
#include "futex.h"
#include "health.h"
#include "sched.h"
#include "segment.h"

namespace shmring {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Before any mapping exists: from here a truncated segment cannot kill the process.
  if (int err = fault_guard::Install(); err != 0) throw ErrnoError(env, err, "sigaction", "SIGBUS");
  auto* data = new AddonData();
  env.SetInstanceData(data);  // deleted by Node when the environment goes away

  Napi::Function mapping = Mapping::Define(env);
  data->mappingClass = Napi::Persistent(mapping);
  Napi::Function waiter = AsyncWaiter::Define(env);
  data->asyncWaiterClass = Napi::Persistent(waiter);

  exports.Set("Mapping", mapping);
  exports.Set("AsyncWaiter", waiter);
  exports.Set("Doorbell", Doorbell::Define(env));
  exports.Set("ringDoorbell", Napi::Function::New<RingDoorbell>(env, "ringDoorbell"));
  exports.Set("shmCreate", Napi::Function::New<ShmCreate>(env, "shmCreate"));
  exports.Set("shmOpen", Napi::Function::New<ShmOpen>(env, "shmOpen"));
  exports.Set("shmUnlink", Napi::Function::New<ShmUnlink>(env, "shmUnlink"));
  exports.Set("memfdCreate", Napi::Function::New<MemfdCreate>(env, "memfdCreate"));
  exports.Set("fdOpen", Napi::Function::New<FdOpen>(env, "fdOpen"));
  exports.Set("fileCreate", Napi::Function::New<FileCreate>(env, "fileCreate"));
  exports.Set("fileOpen", Napi::Function::New<FileOpen>(env, "fileOpen"));
  exports.Set("sysvCreate", Napi::Function::New<SysvCreate>(env, "sysvCreate"));
  exports.Set("sysvOpen", Napi::Function::New<SysvOpen>(env, "sysvOpen"));
  exports.Set("sysvRemove", Napi::Function::New<SysvRemove>(env, "sysvRemove"));
  exports.Set("futexWait", Napi::Function::New<FutexWaitSync>(env, "futexWait"));
  exports.Set("futexWake", Napi::Function::New<FutexWakeSync>(env, "futexWake"));
  exports.Set("mappingHealth", Napi::Function::New<MappingHealth>(env, "mappingHealth"));
  exports.Set("mappingSlot", Napi::Function::New<MappingSlot>(env, "mappingSlot"));
  exports.Set("yieldCpu", Napi::Function::New<YieldCpu>(env, "yieldCpu"));
  return exports;
}

}  // namespace
}  // namespace shmring

static Napi::Object InitShmring(Napi::Env env, Napi::Object exports) { return shmring::Init(env, exports); }

NODE_API_MODULE(shmring, InitShmring)
