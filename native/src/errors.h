// Errors raised by the addon, shaped like Node's own system errors.
#pragma once

#include <napi.h>

#include <string>

namespace shmring {

// A failed syscall: `Error` with code ('EEXIST'), errno, syscall and path, whose
// message reads like Node's: "EEXIST: File exists, shm_open '/name'".
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path);

// A bad argument: TypeError / RangeError with a Node-style code.
Napi::Error ArgTypeError(Napi::Env env, const std::string& message);
Napi::Error ArgRangeError(Napi::Env env, const std::string& message);

// Argument readers that throw the errors above instead of coercing silently.
std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what);
int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* what, int64_t min, int64_t max);

}  // namespace shmring
