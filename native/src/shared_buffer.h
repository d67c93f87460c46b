// Hands memory to JavaScript as a SharedArrayBuffer over the bytes themselves (no copy).
#pragma once

#include <napi.h>

#include <cstddef>

namespace shmring {

// Wraps a mapping [addr, addr + length) in a new SharedArrayBuffer and registers it with
// the SIGBUS guard. The buffer owns the mapping: when its last reference (in any thread)
// is collected, the range is unregistered and munmap'ed. On failure the range is unmapped
// and a JS exception is thrown.
Napi::Value NewMappedSharedArrayBuffer(Napi::Env env, void* addr, size_t length);

// A SharedArrayBuffer over memory that lives as long as the process (never freed).
Napi::Value NewStaticSharedArrayBuffer(Napi::Env env, void* addr, size_t length);

// Largest mapping we hand out; V8 rejects larger array buffers on some versions.
constexpr size_t kMaxMappingBytes = size_t{1} << 34;  // 16 GiB

}  // namespace shmring
