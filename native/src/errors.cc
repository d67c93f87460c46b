#include "errors.h"

#include <uv.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace shmring {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  // libuv's error names are errno names on Unix (uv error = -errno).
  const char* code = uv_err_name(-err);
  std::string message = std::string(code) + ": " + std::strerror(err) + ", " + syscall;
  if (!path.empty()) message += " '" + path + "'";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, -err));  // negative, as in Node
  error.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) error.Set("path", Napi::String::New(env, path));
  return error;
}

Napi::Error ArgTypeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return error;
}

Napi::Error ArgRangeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::RangeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  return error;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw ArgTypeError(info.Env(), std::string("The \"") + what + "\" argument must be of type string");
  }
  std::string value = info[index].As<Napi::String>().Utf8Value();
  // A NUL would silently truncate the path the kernel sees.
  if (value.empty() || value.find('\0') != std::string::npos) {
    throw ArgTypeError(info.Env(), std::string("The \"") + what + "\" argument must be a non-empty string without NUL bytes");
  }
  return value;
}

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* what, int64_t min, int64_t max) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw ArgTypeError(info.Env(), std::string("The \"") + what + "\" argument must be of type number");
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  // Compare as doubles first: casting an out-of-range double to int64 is undefined.
  if (!std::isfinite(value) || std::trunc(value) != value || value < static_cast<double>(min) ||
      value > static_cast<double>(max)) {
    throw ArgRangeError(info.Env(), std::string("The \"") + what + "\" argument must be an integer >= " +
                                        std::to_string(min) + " and <= " + std::to_string(max));
  }
  return static_cast<int64_t>(value);
}

}  // namespace shmring
