#include "health.h"

#include "errors.h"
#include "fault_guard.h"
#include "shared_buffer.h"

namespace shmring {

Napi::Value MappingHealth(const Napi::CallbackInfo& info) {
  return NewStaticSharedArrayBuffer(info.Env(), fault_guard::HealthWords(),
                                    sizeof(int32_t) * fault_guard::kMaxMappings);
}

Napi::Value MappingSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    throw ArgTypeError(env, "The \"view\" argument must be a TypedArray");
  }
  // napi_get_typedarray_info's data already points at the view's first byte (and works for
  // views of a SharedArrayBuffer, unlike napi_get_arraybuffer_info).
  napi_typedarray_type type;
  size_t length;
  void* data = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr),
                       Napi::Value());
  if (length == 0 || data == nullptr) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, fault_guard::SlotOf(data));
}

}  // namespace shmring
