// A shared-memory mapping (POSIX shm, memfd, regular file or inherited fd) as a JS object.
#pragma once

#include <napi.h>

#include <cstddef>

namespace shmring {

// JS class `Mapping`: { buffer: SharedArrayBuffer, size, fd, shmid, stat(), close() }.
// Instances come only from the factory functions below, never from `new`. A mapping is
// backed either by a descriptor (POSIX shm, memfd, file) or by a System V segment id.
class Mapping : public Napi::ObjectWrap<Mapping> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, int fd, int shmid, void* addr, size_t length);

  explicit Mapping(const Napi::CallbackInfo& info);
  ~Mapping() override;

 private:
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Shmid(const Napi::CallbackInfo& info);
  Napi::Value Stat(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Release();
  void CloseHandles();

  bool closed_ = true;
  int fd_ = -1;
  int shmid_ = -1;
  size_t length_ = 0;
  Napi::Reference<Napi::Value> buffer_;
};

// Factories exported to JS. Each validates its arguments before any syscall and throws
// a Node-style system error (code, errno, syscall, path) when a syscall fails.
Napi::Value ShmCreate(const Napi::CallbackInfo& info);    // (name, size, mode)
Napi::Value ShmOpen(const Napi::CallbackInfo& info);      // (name)
Napi::Value ShmUnlink(const Napi::CallbackInfo& info);    // (name)
Napi::Value MemfdCreate(const Napi::CallbackInfo& info);  // (name, size)
Napi::Value FdOpen(const Napi::CallbackInfo& info);       // (fd): maps a dup of an inherited fd
Napi::Value FileCreate(const Napi::CallbackInfo& info);   // (path, size, mode)
Napi::Value FileOpen(const Napi::CallbackInfo& info);     // (path)
Napi::Value SysvCreate(const Napi::CallbackInfo& info);   // (key, size, mode)
Napi::Value SysvOpen(const Napi::CallbackInfo& info);     // (key)
Napi::Value SysvRemove(const Napi::CallbackInfo& info);   // (key): IPC_RMID

}  // namespace shmring
