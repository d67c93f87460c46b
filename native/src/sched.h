// Giving up the CPU without sleeping: the middle phase of adaptive waiting.
#pragma once

#include <napi.h>

namespace shmring {

// JS: yieldCpu() -> undefined (sched_yield: lets the peer run on a busy core).
Napi::Value YieldCpu(const Napi::CallbackInfo& info);

}  // namespace shmring
