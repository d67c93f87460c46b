// Per-environment state of the addon (one per main thread or worker that loads it).
#pragma once

#include <napi.h>

namespace shmring {

class WaitHub;

struct AddonData {
  Napi::FunctionReference mappingClass;
  Napi::FunctionReference asyncWaiterClass;
  // Created with the first AsyncWaiter; frees itself when the environment goes away.
  WaitHub* waitHub = nullptr;
  // Set only while a factory constructs a Mapping, so `new Mapping()` from JS is refused.
  bool constructingMapping = false;
};

}  // namespace shmring
