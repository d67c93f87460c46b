#include "sched.h"

#include <sched.h>

namespace shmring {

Napi::Value YieldCpu(const Napi::CallbackInfo& info) {
  sched_yield();  // cannot fail on Linux
  return info.Env().Undefined();
}

}  // namespace shmring
