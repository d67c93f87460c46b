// Hands a mapping to JavaScript as a SharedArrayBuffer over the mapped bytes (no copy).
#pragma once

#include <napi.h>

#include <cstddef>

namespace shmring {

// Wraps [addr, addr + length) in a new SharedArrayBuffer. The buffer owns the mapping:
// when its last reference (in any thread) is collected, the range is munmap'ed.
// On failure the range is unmapped and a JS exception is thrown.
Napi::Value NewMappedSharedArrayBuffer(Napi::Env env, void* addr, size_t length);

// Largest mapping we hand out; V8 rejects larger array buffers on some versions.
constexpr size_t kMaxMappingBytes = size_t{1} << 34;  // 16 GiB

}  // namespace shmring
