#include "doorbell.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>

#include "errors.h"

namespace shmring {
namespace {

// The abstract address of doorbell (pid, nonce); returns its length.
socklen_t AddressOf(uint32_t pid, uint32_t nonce, sockaddr_un* address) {
  *address = sockaddr_un{};
  address->sun_family = AF_UNIX;
  // sun_path[0] stays NUL: the abstract namespace (no file, gone with the socket).
  int length = std::snprintf(address->sun_path + 1, sizeof(address->sun_path) - 1, "shmring.%u.%u", pid, nonce);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
}

// The socket a thread rings from, made on its first ring and closed when the thread ends, and
// the address it rang last (a notifier rings the same doorbell again and again).
struct RingSocket {
  int fd = -1;
  uint32_t pid = 0;
  uint32_t nonce = 0;
  sockaddr_un address{};
  socklen_t length = 0;
  ~RingSocket() {
    if (fd >= 0) close(fd);
  }
};
thread_local RingSocket ringSocket;

// What a closing doorbell's handles share: the environment's cleanup hook, removed once both
// have closed (the Doorbell itself may be gone by then).
struct Closing {
  napi_async_cleanup_hook_handle hook;
  int pending;
};

void Closed(uv_handle_t* handle) {
  auto* closing = static_cast<Closing*>(handle->data);
  if (handle->type == UV_POLL)
    delete reinterpret_cast<uv_poll_t*>(handle);
  else
    delete reinterpret_cast<uv_timer_t*>(handle);
  if (--closing->pending > 0) return;
  if (closing->hook != nullptr) napi_remove_async_cleanup_hook(closing->hook);
  delete closing;
}

}  // namespace

Napi::Function Doorbell::Define(Napi::Env env) {
  return DefineClass(env, "Doorbell",
                     {InstanceMethod<&Doorbell::Close>("close"), InstanceMethod<&Doorbell::SetTimer>("setTimer"),
                      InstanceMethod<&Doorbell::ClearTimer>("clearTimer"),
                      InstanceMethod<&Doorbell::KeepAlive>("keepAlive")});
}

Doorbell::Doorbell(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Doorbell>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  auto nonce = static_cast<uint32_t>(IntegerArg(info, 0, "nonce", 0, UINT32_MAX));
  if (info.Length() < 2 || !info[1].IsFunction())
    throw ArgTypeError(env, "The \"onRing\" argument must be of type function");
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, errno, "socket", "");
  sockaddr_un address;
  socklen_t length = AddressOf(static_cast<uint32_t>(getpid()), nonce, &address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, err, "bind", "");
  }
  auto* poll = new uv_poll_t;
  int err = uv_poll_init(loop, poll, fd);
  if (err == 0) err = uv_poll_start(poll, UV_READABLE, OnReadable);
  if (err != 0) {
    // Initialised or not, a handle is freed through uv_close (a failed init leaves it unlinked).
    uv_close(reinterpret_cast<uv_handle_t*>(poll),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    close(fd);
    throw ErrnoError(env, -err, "uv_poll_start", "");
  }
  poll->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(poll));
  auto* timer = new uv_timer_t;
  uv_timer_init(loop, timer);  // cannot fail
  timer->data = this;
  fd_ = fd;
  poll_ = poll;
  timer_ = timer;
  onRing_ = Napi::Persistent(info[1].As<Napi::Function>());
  napi_status status = napi_add_async_cleanup_hook(env, OnEnvCleanup, this, &cleanup_);
  if (status != napi_ok) {
    Stop(nullptr);  // a constructor that throws gets no destructor call
    NAPI_THROW_IF_FAILED_VOID(env, status);
  }
}

Doorbell::~Doorbell() { Stop(nullptr); }

Napi::Value Doorbell::Close(const Napi::CallbackInfo& info) {
  Stop(nullptr);
  return info.Env().Undefined();
}

void Doorbell::OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* self) {
  static_cast<Doorbell*>(self)->Stop(hook);
}

Napi::Value Doorbell::SetTimer(const Napi::CallbackInfo& info) {
  auto ms = static_cast<uint64_t>(IntegerArg(info, 0, "ms", 0, INT32_MAX));
  if (timer_ != nullptr) {
    // From now, not from when this turn of the loop began (JavaScript may have run long since).
    uv_update_time(timer_->loop);
    uv_timer_start(timer_, OnTimer, ms, 0);
  }
  return info.Env().Undefined();
}

Napi::Value Doorbell::ClearTimer(const Napi::CallbackInfo& info) {
  if (timer_ != nullptr) uv_timer_stop(timer_);
  return info.Env().Undefined();
}

Napi::Value Doorbell::KeepAlive(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean())
    throw ArgTypeError(info.Env(), "The \"keepAlive\" argument must be of type boolean");
  if (timer_ != nullptr) {
    if (info[0].As<Napi::Boolean>().Value())
      uv_ref(reinterpret_cast<uv_handle_t*>(timer_));
    else
      uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
  }
  return info.Env().Undefined();
}

void Doorbell::Stop(napi_async_cleanup_hook_handle hook) {
  if (poll_ != nullptr) {
    // The close callbacks remove the environment's hook, if it is running, after both handles.
    auto* closing = new Closing{hook, 2};
    poll_->data = closing;
    timer_->data = closing;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), Closed);
    uv_close(reinterpret_cast<uv_handle_t*>(timer_), Closed);
    poll_ = nullptr;
    timer_ = nullptr;
    close(fd_);
    fd_ = -1;
    // Stopped by close() or the destructor: the environment's hook has nothing left to do.
    if (hook == nullptr && cleanup_ != nullptr) napi_remove_async_cleanup_hook(cleanup_);
    cleanup_ = nullptr;
  } else if (hook != nullptr) {
    napi_remove_async_cleanup_hook(hook);
  }
}

void Doorbell::OnReadable(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<Doorbell*>(handle->data);
  if (status < 0) {
    // A broken socket would report the same error on every turn of the loop: stop polling.
    // Sleeps still end through the futex pool, which they join after RING_FALLBACK_MS.
    uv_poll_stop(handle);
    return;
  }
  // One datagram per callback: the poll is level-triggered, so more queued ones come on the
  // loop's next turns (a flood cannot hold the loop), and a lone ring costs one recv.
  int32_t token = 0;
  ssize_t got;
  do {
    got = recv(self->fd_, &token, sizeof token, 0);
  } while (got < 0 && errno == EINTR);
  if (got != sizeof token) return;  // nothing (EAGAIN), or not a ring: ignored
  self->Ring(token);
}

void Doorbell::OnTimer(uv_timer_t* handle) { static_cast<Doorbell*>(handle->data)->Ring(0); }

void Doorbell::Ring(int32_t token) {
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  try {
    // MakeCallback: microtasks the callback queues run before control returns to the loop.
    onRing_.MakeCallback(env.Global(), {Napi::Number::New(env, token)});
  } catch (const Napi::Error& error) {
    napi_fatal_exception(env_, error.Value());
  }
}

Napi::Value RingDoorbell(const Napi::CallbackInfo& info) {
  auto pid = static_cast<uint32_t>(IntegerArg(info, 0, "pid", 0, UINT32_MAX));
  auto nonce = static_cast<uint32_t>(IntegerArg(info, 1, "nonce", 0, UINT32_MAX));
  auto token = static_cast<int32_t>(IntegerArg(info, 2, "token", INT32_MIN, INT32_MAX));
  RingSocket& ring = ringSocket;
  if (ring.fd < 0) {
    ring.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    // No socket here (out of descriptors): says nothing of the doorbell, whose sleeper the
    // futex wake reaches all the same once its ring-alone time is over.
    if (ring.fd < 0) return Napi::Boolean::New(info.Env(), true);
  }
  if (ring.length == 0 || pid != ring.pid || nonce != ring.nonce) {
    ring.length = AddressOf(pid, nonce, &ring.address);
    ring.pid = pid;
    ring.nonce = nonce;
  }
  ssize_t sent;
  do {
    sent = sendto(ring.fd, &token, sizeof token, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&ring.address), ring.length);
  } while (sent < 0 && errno == EINTR);
  // Only "nobody at that address" is an answer about the doorbell (a full queue holds rings yet
  // to be read; other errors are this side's).
  return Napi::Boolean::New(info.Env(), sent == sizeof token || (errno != ECONNREFUSED && errno != ENOENT));
}

}  // namespace shmring
