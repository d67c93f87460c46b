#include "segment.h"

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "addon.h"
#include "errors.h"
#include "shared_buffer.h"

namespace shmring {
namespace {

constexpr int64_t kMaxMode = 07777;

// Closes an fd on scope exit unless released; keeps every early throw leak-free.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) close(fd_);
  }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

size_t SizeArg(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<size_t>(IntegerArg(info, index, "size", 1, static_cast<int64_t>(kMaxMappingBytes)));
}

// Sizes a freshly created object and reserves its pages. Reserving up front turns a full
// /dev/shm or disk into ENOSPC here instead of a SIGBUS on first touch later.
void SizeNewObject(Napi::Env env, int fd, size_t size, const std::string& name) {
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) throw ErrnoError(env, errno, "ftruncate", name);
  int err = posix_fallocate(fd, 0, static_cast<off_t>(size));
  // EOPNOTSUPP/EINVAL: the filesystem cannot reserve; the sparse object still works.
  if (err != 0 && err != EOPNOTSUPP && err != EINVAL) throw ErrnoError(env, err, "fallocate", name);
}

// Size of an existing object, refusing what cannot be mapped as a segment.
size_t ExistingSize(Napi::Env env, int fd, const std::string& name) {
  struct stat st;
  if (fstat(fd, &st) != 0) throw ErrnoError(env, errno, "fstat", name);
  if (!S_ISREG(st.st_mode)) throw ErrnoError(env, EINVAL, "fstat", name);
  if (st.st_size <= 0 || static_cast<uint64_t>(st.st_size) > kMaxMappingBytes) {
    throw ErrnoError(env, st.st_size <= 0 ? ENODATA : EFBIG, "fstat", name);
  }
  return static_cast<size_t>(st.st_size);
}

// Maps the whole object shared and hands fd ownership to a new Mapping.
Napi::Object MapWhole(Napi::Env env, FdGuard& fd, size_t size, const std::string& name) {
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (addr == MAP_FAILED) throw ErrnoError(env, errno, "mmap", name);
  Napi::Object mapping = Mapping::Wrap(env, fd.get(), -1, addr, size);
  fd.release();  // owned by the Mapping now
  return mapping;
}

}  // namespace

// ---- Mapping ----

Napi::Function Mapping::Define(Napi::Env env) {
  return DefineClass(env, "Mapping",
                     {
                         InstanceAccessor<&Mapping::Buffer>("buffer"),
                         InstanceAccessor<&Mapping::Size>("size"),
                         InstanceAccessor<&Mapping::Fd>("fd"),
                         InstanceAccessor<&Mapping::Shmid>("shmid"),
                         InstanceMethod<&Mapping::Stat>("stat"),
                         InstanceMethod<&Mapping::Close>("close"),
                     });
}

Napi::Object Mapping::Wrap(Napi::Env env, int fd, int shmid, void* addr, size_t length) {
  // The SharedArrayBuffer owns the mapping from here on (it unmaps when collected).
  Napi::Value buffer = NewMappedSharedArrayBuffer(env, addr, length);
  AddonData* data = env.GetInstanceData<AddonData>();
  data->constructingMapping = true;
  Napi::Object object;
  try {
    object = data->mappingClass.New({});
  } catch (...) {
    data->constructingMapping = false;
    throw;
  }
  data->constructingMapping = false;
  Mapping* mapping = Unwrap(object);
  mapping->closed_ = false;
  mapping->fd_ = fd;
  mapping->shmid_ = shmid;
  mapping->length_ = length;
  mapping->buffer_ = Napi::Persistent(buffer);
  return object;
}

Mapping::Mapping(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Mapping>(info) {
  if (!info.Env().GetInstanceData<AddonData>()->constructingMapping) {
    throw Napi::TypeError::New(info.Env(), "Mapping cannot be constructed directly; use a segment factory");
  }
}

// Collected without close(): the same as close(); the buffer's own finalizer unmaps.
Mapping::~Mapping() { CloseHandles(); }

Napi::Value Mapping::Buffer(const Napi::CallbackInfo& info) {
  if (buffer_.IsEmpty()) return info.Env().Undefined();
  return buffer_.Value();
}

Napi::Value Mapping::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(length_));
}

Napi::Value Mapping::Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

Napi::Value Mapping::Shmid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), shmid_); }

Napi::Value Mapping::Stat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) throw ErrnoError(env, EBADF, "fstat", "");
  auto ms = [](time_t seconds, long nanos) { return static_cast<double>(seconds) * 1e3 + nanos / 1e6; };
  Napi::Object result = Napi::Object::New(env);
  if (shmid_ >= 0) {
    struct shmid_ds ds;
    if (shmctl(shmid_, IPC_STAT, &ds) != 0) throw ErrnoError(env, errno, "shmctl", "");
    result.Set("size", static_cast<double>(ds.shm_segsz));
    result.Set("mode", static_cast<double>(ds.shm_perm.mode & 07777));
    result.Set("uid", static_cast<double>(ds.shm_perm.uid));
    result.Set("gid", static_cast<double>(ds.shm_perm.gid));
    result.Set("ino", static_cast<double>(shmid_));
    result.Set("atimeMs", ms(ds.shm_atime, 0));
    result.Set("mtimeMs", ms(ds.shm_ctime, 0));
    result.Set("ctimeMs", ms(ds.shm_ctime, 0));
    result.Set("creatorPid", static_cast<double>(ds.shm_cpid));
    result.Set("attached", static_cast<double>(ds.shm_nattch));
    return result;
  }
  struct stat st;
  if (fstat(fd_, &st) != 0) throw ErrnoError(env, errno, "fstat", "");
  result.Set("size", static_cast<double>(st.st_size));
  result.Set("mode", static_cast<double>(st.st_mode));
  result.Set("uid", static_cast<double>(st.st_uid));
  result.Set("gid", static_cast<double>(st.st_gid));
  result.Set("ino", static_cast<double>(st.st_ino));
  result.Set("atimeMs", ms(st.st_atim.tv_sec, st.st_atim.tv_nsec));
  result.Set("mtimeMs", ms(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
  result.Set("ctimeMs", ms(st.st_ctim.tv_sec, st.st_ctim.tv_nsec));
  return result;
}

Napi::Value Mapping::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

void Mapping::Release() {
  if (closed_) return;
  // Closing drops this handle only. Other endpoints of the same mapping (this thread's or
  // a worker's, through the SharedArrayBuffer) must keep seeing the shared pages, so the
  // range stays mapped until V8 frees the buffer's backing store, which happens when its
  // last user anywhere lets go, and unmaps it there (a System V segment is detached then).
  CloseHandles();
  buffer_.Reset();
}

void Mapping::CloseHandles() {
  if (closed_) return;
  closed_ = true;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  shmid_ = -1;
}

// ---- factories ----

Napi::Value ShmCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "name");
  size_t size = SizeArg(info, 1);
  mode_t mode = static_cast<mode_t>(IntegerArg(info, 2, "mode", 0, kMaxMode));
  FdGuard fd(shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode));
  if (fd.get() < 0) throw ErrnoError(env, errno, "shm_open", name);
  try {
    // The umask must not narrow or the caller's chosen mode would not land.
    if (fchmod(fd.get(), mode) != 0) throw ErrnoError(env, errno, "fchmod", name);
    SizeNewObject(env, fd.get(), size, name);
    return MapWhole(env, fd, size, name);
  } catch (...) {
    shm_unlink(name.c_str());
    throw;
  }
}

Napi::Value ShmOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "name");
  FdGuard fd(shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0));
  if (fd.get() < 0) throw ErrnoError(env, errno, "shm_open", name);
  return MapWhole(env, fd, ExistingSize(env, fd.get(), name), name);
}

Napi::Value ShmUnlink(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  if (shm_unlink(name.c_str()) != 0) throw ErrnoError(info.Env(), errno, "shm_unlink", name);
  return info.Env().Undefined();
}

Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "name");
  size_t size = SizeArg(info, 1);
  FdGuard fd(memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) throw ErrnoError(env, errno, "memfd_create", name);
  SizeNewObject(env, fd.get(), size, name);
  // Sealing the size means no process holding the fd can shrink it under a peer's mapping
  // (which would turn the peer's next access into SIGBUS).
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    throw ErrnoError(env, errno, "fcntl", name);
  }
  return MapWhole(env, fd, size, name);
}

Napi::Value FdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int inherited = static_cast<int>(IntegerArg(info, 0, "fd", 0, INT32_MAX));
  std::string label = "fd " + std::to_string(inherited);
  // Own a duplicate, so closing the mapping never closes the caller's descriptor.
  FdGuard fd(fcntl(inherited, F_DUPFD_CLOEXEC, 0));
  if (fd.get() < 0) throw ErrnoError(env, errno, "fcntl", label);
  return MapWhole(env, fd, ExistingSize(env, fd.get(), label), label);
}

Napi::Value FileCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "path");
  size_t size = SizeArg(info, 1);
  mode_t mode = static_cast<mode_t>(IntegerArg(info, 2, "mode", 0, kMaxMode));
  FdGuard fd(open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) throw ErrnoError(env, errno, "open", path);
  try {
    if (fchmod(fd.get(), mode) != 0) throw ErrnoError(env, errno, "fchmod", path);
    SizeNewObject(env, fd.get(), size, path);
    return MapWhole(env, fd, size, path);
  } catch (...) {
    unlink(path.c_str());
    throw;
  }
}

Napi::Value FileOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "path");
  FdGuard fd(open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) throw ErrnoError(env, errno, "open", path);
  return MapWhole(env, fd, ExistingSize(env, fd.get(), path), path);
}

namespace {

constexpr int64_t kMaxSysvKey = INT32_MAX;

key_t KeyArg(const Napi::CallbackInfo& info) {
  return static_cast<key_t>(IntegerArg(info, 0, "key", 1, kMaxSysvKey));
}

std::string KeyLabel(key_t key) {
  char label[32];
  snprintf(label, sizeof label, "key 0x%08x", static_cast<unsigned>(key));
  return label;
}

Napi::Object AttachSysv(Napi::Env env, int shmid, size_t size, const std::string& label) {
  void* addr = shmat(shmid, nullptr, 0);
  if (addr == reinterpret_cast<void*>(-1)) throw ErrnoError(env, errno, "shmat", label);
  // From here the SharedArrayBuffer owns the range; unmapping it detaches the segment.
  return Mapping::Wrap(env, -1, shmid, addr, size);
}

}  // namespace

Napi::Value SysvCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  key_t key = KeyArg(info);
  size_t size = SizeArg(info, 1);
  int mode = static_cast<int>(IntegerArg(info, 2, "mode", 0, 0777));
  std::string label = KeyLabel(key);
  int shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
  if (shmid < 0) throw ErrnoError(env, errno, "shmget", label);
  try {
    return AttachSysv(env, shmid, size, label);
  } catch (...) {
    shmctl(shmid, IPC_RMID, nullptr);
    throw;
  }
}

namespace {

// The id of the existing segment under the key argument; `label` names it in errors.
int ExistingSysvId(const Napi::CallbackInfo& info, std::string* label) {
  key_t key = KeyArg(info);
  *label = KeyLabel(key);
  int shmid = shmget(key, 0, 0);
  if (shmid < 0) throw ErrnoError(info.Env(), errno, "shmget", *label);
  return shmid;
}

}  // namespace

Napi::Value SysvOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string label;
  int shmid = ExistingSysvId(info, &label);
  struct shmid_ds ds;
  if (shmctl(shmid, IPC_STAT, &ds) != 0) throw ErrnoError(env, errno, "shmctl", label);
  if (ds.shm_segsz == 0 || ds.shm_segsz > kMaxMappingBytes) throw ErrnoError(env, EFBIG, "shmctl", label);
  return AttachSysv(env, shmid, ds.shm_segsz, label);
}

Napi::Value SysvRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string label;
  int shmid = ExistingSysvId(info, &label);
  if (shmctl(shmid, IPC_RMID, nullptr) != 0) throw ErrnoError(env, errno, "shmctl", label);
  return env.Undefined();
}

}  // namespace shmring
