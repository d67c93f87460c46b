/*
 * The C side of test/recovery-c.test.ts, written against native/include/shmring.h only.
 *
 *   recovery claim-die <shm-name>   claims a record without registering as a producer, prints
 *                                   "claimed" and waits to be killed
 *   recovery spsc-claim-die <shm>   the same on an SPSC ring, stopped the instant the claim has
 *                                   moved the tail (before shmring_try_claim sets the header):
 *                                   prints "claimed <length word>" and waits to be killed
 *   recovery unblock <shm-name>     clears the uncommitted record at the head; prints how many
 */
#define _POSIX_C_SOURCE 200809L
#include "shmring.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void fail(const char *what) {
    fprintf(stderr, "%s\n", what);
    exit(2);
}

static void attach(shmring_t *ring, const char *name) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) fail("shm_open failed");
    struct stat st;
    if (fstat(fd, &st) != 0) fail("fstat failed");
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) fail("mmap failed");
    if (shmring_attach(ring, base, (size_t)st.st_size) != SHMRING_OK) fail("not a shmring segment");
}

int main(int argc, char **argv) {
    if (argc != 3) fail("usage: recovery claim-die|spsc-claim-die|unblock <shm-name>");
    shmring_t ring;
    attach(&ring, argv[2]);
    if (strcmp(argv[1], "claim-die") == 0) {
        if (shmring_try_claim(&ring, 1, 100) <= 0) fail("no room to claim");
        printf("claimed\n");
        fflush(stdout);
        for (;;) pause();
    }
    if (strcmp(argv[1], "spsc-claim-die") == 0) {
        if (ring.kind != SHMRING_KIND_SPSC) fail("not an SPSC ring");
        int32_t record = shmring_spsc_claim(&ring, shmring_align(100 + SHMRING_HEADER_LENGTH));
        if (record <= 0) fail("no room to claim");
        printf("claimed %d\n", (int)atomic_load(SHMRING_I32(ring.base + record)));
        fflush(stdout);
        for (;;) pause();
    }
    if (strcmp(argv[1], "unblock") == 0) {
        int cleared = shmring_unblock(&ring);
        if (cleared < 0) fail("corrupt ring");
        printf("%d\n", cleared);
        return 0;
    }
    fail("unknown command");
}
