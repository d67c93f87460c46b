// Per-environment state of the addon (one per main thread or worker that loads it).
#pragma once

#include <napi.h>

namespace shmring {

struct AddonData {
  Napi::FunctionReference mappingClass;
  Napi::FunctionReference asyncWaiterClass;
  // Set only while a factory constructs a Mapping, so `new Mapping()` from JS is refused.
  bool constructingMapping = false;
};

}  // namespace shmring
