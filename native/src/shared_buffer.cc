// Node 22.12+ and 24 have node_api_create_external_sharedarraybuffer (still behind
// NAPI_EXPERIMENTAL, so it is enabled here only, not for the whole module). Older Node
// (20) lacks it; there the SharedArrayBuffer is built with V8's BackingStore API.
#define NAPI_EXPERIMENTAL
#include "shared_buffer.h"

#include <node_api.h>
#include <sys/mman.h>

#ifndef NODE_API_EXPERIMENTAL_HAS_CREATE_EXTERNAL_SHAREDARRAYBUFFER
#include <v8.h>
#endif

namespace shmring {
namespace {

struct MappedRange {
  void* addr;
  size_t length;
};

// Runs when V8 frees the backing store, possibly on another thread; munmap is thread-safe.
void UnmapRange(void* /*data*/, void* hint) {
  auto* range = static_cast<MappedRange*>(hint);
  munmap(range->addr, range->length);
  delete range;
}

}  // namespace

#ifdef NODE_API_EXPERIMENTAL_HAS_CREATE_EXTERNAL_SHAREDARRAYBUFFER

Napi::Value NewMappedSharedArrayBuffer(Napi::Env env, void* addr, size_t length) {
  auto* range = new MappedRange{addr, length};
  napi_value result;
  napi_status status =
      node_api_create_external_sharedarraybuffer(env, addr, length, UnmapRange, range, &result);
  if (status != napi_ok) {
    UnmapRange(addr, range);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  return Napi::Value(env, result);
}

#else

Napi::Value NewMappedSharedArrayBuffer(Napi::Env env, void* addr, size_t length) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  auto* range = new MappedRange{addr, length};
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      addr, length, [](void* data, size_t, void* hint) { UnmapRange(data, hint); }, range);
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  // Node-API values are V8 handles (v8impl::JsValueFromV8LocalValue does the same cast).
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is a V8 handle");
  v8::Local<v8::Value> value = buffer;
  return Napi::Value(env, reinterpret_cast<napi_value>(*value));
}

#endif

}  // namespace shmring
