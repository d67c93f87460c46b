/*
 * The C side of test/ring-c-wake.test.ts, written against native/include/shmring.h only: a C
 * producer that publishes raw messages into a ring a TypeScript receiver parks on, and wakes
 * it with shmring_notify.
 *
 *   wake_peer <shm-name> <count> <gap-ms>   sends "c-0", "c-1", ... (RECORD_RAW), one per
 *                                           gap, and prints "sent <count> asleep <a> woke <w>":
 *                                           a = values published while a sleeper was announced,
 *                                           w = threads FUTEX_WAKE woke
 *   wake_peer <shm-name> ring               only rings the doorbell armed in the ring's
 *                                           metadata (shmring_ring_doorbell: no futex bump,
 *                                           no FUTEX_WAKE), and prints "rang"
 */
#define _POSIX_C_SOURCE 200809L
#include "shmring.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define RECORD_RAW 2 /* docs/FORMAT.md, "Record types": one whole message of raw bytes */

static int fail(const char *what) {
    fprintf(stderr, "%s\n", what);
    return 2;
}

int main(int argc, char **argv) {
    int ring_only = argc == 3 && strcmp(argv[2], "ring") == 0;
    if (argc != 4 && !ring_only) return fail("usage: wake_peer <shm-name> (<count> <gap-ms> | ring)");
    int fd = shm_open(argv[1], O_RDWR, 0);
    if (fd < 0) return fail("shm_open failed");
    struct stat st;
    if (fstat(fd, &st) != 0) return fail("fstat failed");
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return fail("mmap failed");
    shmring_t ring;
    if (shmring_attach(&ring, base, (size_t)st.st_size) != SHMRING_OK) return fail("attach failed");
    shmring_event_t data_available;
    shmring_event_init(&data_available, &ring, SHMRING_DATA_AVAILABLE_FUTEX_OFFSET);
    if (ring_only) {
        shmring_ring_doorbell(&data_available);
        printf("rang\n");
        return 0;
    }
    int count = atoi(argv[2]);
    long gap_ms = atol(argv[3]);
    int asleep = 0, woken = 0;
    for (int i = 0; i < count; i++) {
        struct timespec gap = {gap_ms / 1000, (gap_ms % 1000) * 1000000L};
        nanosleep(&gap, NULL);
        char text[32];
        int length = snprintf(text, sizeof text, "c-%d", i);
        if (shmring_write(&ring, RECORD_RAW, text, length) != 1) return fail("write failed");
        /* Read after the publish: a sleeper announced before it needs this notify. */
        atomic_thread_fence(memory_order_seq_cst);
        asleep += atomic_load_explicit(data_available.sleepers, memory_order_seq_cst) > 0;
        int rc = shmring_notify(&data_available);
        if (rc < 0) return fail("notify failed");
        woken += rc;
    }
    printf("sent %d asleep %d woke %d\n", count, asleep, woken);
    return 0;
}
