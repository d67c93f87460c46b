// Drives native/src/fault_guard.cc without Node, for test/segment-fault.test.ts:
//   fault_guard_harness guarded <file>   maps <file> (guarded), truncates it, reads: prints
//                                         "survived <byte> <health>" and exits 0
//   fault_guard_harness unguarded <file> maps <file> without registering it, truncates it,
//                                         reads: dies by SIGBUS (the default action)
//   fault_guard_harness chained <file>   like unguarded, with a SA_SIGINFO handler installed
//                                         before the guard: that handler runs (exit 42)
//   fault_guard_harness sent             raise(SIGBUS) with the guard installed: dies by it
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "fault_guard.h"

namespace guard = shmring::fault_guard;

namespace {

constexpr size_t kLength = 2 * 4096;

volatile unsigned char* MapFile(const char* path) {
  int fd = open(path, O_RDWR);
  if (fd < 0 || ftruncate(fd, kLength) != 0) {
    perror("open/ftruncate");
    _exit(2);
  }
  void* addr = mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    perror("mmap");
    _exit(2);
  }
  static_cast<unsigned char*>(addr)[4096] = 7;
  if (ftruncate(fd, 0) != 0) {  // what a hostile peer does
    perror("ftruncate");
    _exit(2);
  }
  close(fd);
  return static_cast<volatile unsigned char*>(addr);
}

void InstallOrDie() {
  if (guard::Install() != 0) {
    perror("install");
    _exit(2);
  }
}

void Previous(int, siginfo_t*, void*) { _exit(42); }

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "sent") == 0) {
    InstallOrDie();
    raise(SIGBUS);
    return 3;  // not reached
  }
  if (argc != 3) return 2;
  const char* mode = argv[1];
  if (std::strcmp(mode, "chained") == 0) {
    struct sigaction previous = {};
    previous.sa_sigaction = Previous;
    previous.sa_flags = SA_SIGINFO;
    sigemptyset(&previous.sa_mask);
    sigaction(SIGBUS, &previous, nullptr);
  }
  InstallOrDie();
  volatile unsigned char* bytes = MapFile(argv[2]);
  int slot = -1;
  if (std::strcmp(mode, "guarded") == 0) slot = guard::Register(const_cast<unsigned char*>(bytes), kLength);
  unsigned byte = bytes[4096];  // faults: the page is beyond the end of the file now
  bytes[0] = 1;                 // and this one too (before the repaired range): repaired again
  std::printf("survived %u %d %d\n", byte, bytes[0], slot >= 0 ? guard::HealthWords()[slot] : -1);
  return 0;
}
