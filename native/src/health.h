// What JavaScript sees of the SIGBUS guard (fault_guard.h): one health word per guarded
// mapping, in a process-wide table exposed as a SharedArrayBuffer, so a channel checks
// whether its segment was truncated with one Atomics.load and no native call.
#pragma once

#include <napi.h>

namespace shmring {

// JS: mappingHealth() -> SharedArrayBuffer of fault_guard::kMaxMappings int32 words
// (0 healthy, 1 faulted). The same memory for every thread of the process.
Napi::Value MappingHealth(const Napi::CallbackInfo& info);

// JS: mappingSlot(typedArray) -> the index of the health word of the guarded mapping that
// holds the typed array's first byte, or -1 for memory that is not a shmring mapping.
Napi::Value MappingSlot(const Napi::CallbackInfo& info);

}  // namespace shmring
