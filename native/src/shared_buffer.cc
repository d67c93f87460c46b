// Node 22.12+ and 24 have node_api_create_external_sharedarraybuffer (still behind
// NAPI_EXPERIMENTAL, so it is enabled here only, not for the whole module). Older Node
// (20) lacks it; there the SharedArrayBuffer is built with V8's BackingStore API.
#define NAPI_EXPERIMENTAL
#include "shared_buffer.h"

#include <node_api.h>
#include <sys/mman.h>

#include <cerrno>

#include "addon.h"
#include "errors.h"
#include "fault_guard.h"

#ifndef NODE_API_EXPERIMENTAL_HAS_CREATE_EXTERNAL_SHAREDARRAYBUFFER
#include <v8.h>
#endif

namespace shmring {
namespace {

using Deleter = void (*)(void* data, void* hint);

struct MappedRange {
  void* addr;
  size_t length;
  int guardSlot;
  std::shared_ptr<std::atomic<int64_t>> unmappedBytes;  // of the environment that mapped it
};

// Runs when V8 frees the backing store, possibly on another thread; munmap is thread-safe.
// The guard forgets the range first, so it never repairs an address reused after munmap.
void UnmapRange(void* /*data*/, void* hint) {
  auto* range = static_cast<MappedRange*>(hint);
  fault_guard::Unregister(range->guardSlot);
  munmap(range->addr, range->length);
  range->unmappedBytes->fetch_add(static_cast<int64_t>(range->length));
  delete range;
}

void KeepForever(void* /*data*/, void* /*hint*/) {}

#ifdef NODE_API_EXPERIMENTAL_HAS_CREATE_EXTERNAL_SHAREDARRAYBUFFER

// On failure the deleter has run and a JS exception is pending.
Napi::Value NewExternal(Napi::Env env, void* addr, size_t length, Deleter deleter, void* hint) {
  napi_value result;
  napi_status status = node_api_create_external_sharedarraybuffer(env, addr, length, deleter, hint, &result);
  if (status != napi_ok) {
    deleter(addr, hint);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  return Napi::Value(env, result);
}

#else

Napi::Value NewExternal(Napi::Env env, void* addr, size_t length, Deleter deleter, void* hint) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      addr, length, [](void* data, size_t, void* deleterData) {
        auto* pair = static_cast<std::pair<Deleter, void*>*>(deleterData);
        pair->first(data, pair->second);
        delete pair;
      },
      new std::pair<Deleter, void*>(deleter, hint));
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  // Node-API values are V8 handles (v8impl::JsValueFromV8LocalValue does the same cast).
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is a V8 handle");
  v8::Local<v8::Value> value = buffer;
  return Napi::Value(env, reinterpret_cast<napi_value>(*value));
}

#endif

}  // namespace

Napi::Value NewMappedSharedArrayBuffer(Napi::Env env, void* addr, size_t length) {
  int slot = fault_guard::Register(addr, length);
  if (slot < 0) {
    munmap(addr, length);
    throw ErrnoError(env, ENOMEM, "mmap", "more segments mapped at once than the SIGBUS guard holds");
  }
  // V8 does not count external backing stores toward its heap, so a program that closes
  // channels (dropping handles, not mappings) would not collect for a long time and keep
  // every segment's memory. Telling it the size makes it collect under that pressure.
  AddonData* data = env.GetInstanceData<AddonData>();
  int64_t change = static_cast<int64_t>(length) - data->unmappedBytes->exchange(0);
  int64_t total;
  napi_adjust_external_memory(env, change, &total);
  return NewExternal(env, addr, length, UnmapRange, new MappedRange{addr, length, slot, data->unmappedBytes});
}

Napi::Value NewStaticSharedArrayBuffer(Napi::Env env, void* addr, size_t length) {
  return NewExternal(env, addr, length, KeepForever, nullptr);
}

}  // namespace shmring
