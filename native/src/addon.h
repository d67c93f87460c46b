// Per-environment state of the addon (one per main thread or worker that loads it).
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace shmring {

class WaitHub;

struct AddonData {
  Napi::FunctionReference mappingClass;
  Napi::FunctionReference asyncWaiterClass;
  // Bytes of this environment's mappings that were unmapped since it last told V8 (the
  // unmapping can happen on any thread; shared so it outlives the environment).
  std::shared_ptr<std::atomic<int64_t>> unmappedBytes = std::make_shared<std::atomic<int64_t>>(0);
  // Created with the first AsyncWaiter; frees itself when the environment goes away.
  WaitHub* waitHub = nullptr;
  // Set only while a factory constructs a Mapping, so `new Mapping()` from JS is refused.
  bool constructingMapping = false;
};

}  // namespace shmring
