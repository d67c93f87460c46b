/*
 * The C side of test/ring-c-interop.test.ts, written against native/include/shmring.h only.
 * Its traffic mirrors test/children/ring-traffic.ts bit for bit.
 *
 *   ring_interop create  <shm-name> <spsc|mpsc> <capacity>   makes a ring segment
 *   ring_interop produce <shm-name> <producer> <count>        sends messages
 *   ring_interop consume <shm-name> <producers> <per-producer> reads and checks them
 */
#define _POSIX_C_SOURCE 200809L
#include "shmring.h"

#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define TIMEOUT_SECONDS 60
#define MAX_PRODUCERS 8

static void fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(2);
}

static uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x;
}

static uint32_t message_hash(uint32_t producer, uint32_t seq) { return mix32(seq ^ mix32(producer + 1)); }

static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

static int32_t message_length(uint32_t hash, int32_t max) {
    uint32_t bucket = hash % 1000u, r = hash >> 10;
    if (bucket < 900) return (int32_t)(r % (uint32_t)min32(33, max + 1));
    if (bucket < 990) return (int32_t)(r % (uint32_t)min32(513, max + 1));
    return (int32_t)(r % (uint32_t)(max + 1));
}

static int32_t message_type_id(uint32_t producer, uint32_t seq) { return (int32_t)(1 + producer + 8 * (seq & 0xFFFFFFu)); }

static uint8_t byte_at(uint32_t hash, uint32_t i) { return (uint8_t)(hash + i * 131u); }

static void backoff(unsigned *spins, time_t deadline, const char *what) {
    if (++*spins < 64) return;
    if (*spins < 4096) {
        sched_yield();
    } else {
        struct timespec pause = {0, 50000};
        nanosleep(&pause, NULL);
    }
    if ((*spins & 1023) == 0 && time(NULL) > deadline) fail("%s until the deadline", what);
}

static void *map_segment(const char *name, size_t *size) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) fail("shm_open %s failed", name);
    struct stat st;
    if (fstat(fd, &st) != 0) fail("fstat failed");
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) fail("mmap failed");
    *size = (size_t)st.st_size;
    return base;
}

static void attach(shmring_t *ring, const char *name) {
    size_t size;
    void *base = map_segment(name, &size);
    int rc = shmring_attach(ring, base, size);
    if (rc != SHMRING_OK) fail("shmring_attach: %d", rc);
}

static int create(const char *name, const char *kind, int32_t capacity) {
    size_t size = SHMRING_SEGMENT_SIZE(capacity);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) fail("shm_open %s failed", name);
    if (ftruncate(fd, (off_t)size) != 0) fail("ftruncate failed");
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) fail("mmap failed");
    int rc = shmring_init(base, size, strcmp(kind, "mpsc") == 0 ? SHMRING_KIND_MPSC : SHMRING_KIND_SPSC, capacity);
    if (rc != SHMRING_OK) fail("shmring_init: %d", rc);
    printf("created %d\n", (int)getpid());
    return 0;
}

static int produce(const char *name, uint32_t producer, uint32_t count) {
    shmring_t ring;
    attach(&ring, name);
    uint8_t *scratch = malloc((size_t)ring.max_message_length + 8);
    time_t deadline = time(NULL) + TIMEOUT_SECONDS;
    uint32_t checksum = 0, aborted = 0;
    for (uint32_t seq = 0; seq < count; seq++) {
        uint32_t hash = message_hash(producer, seq);
        int32_t length = message_length(hash, ring.max_message_length);
        int32_t type_id = message_type_id(producer, seq);
        unsigned spins = 0;
        int32_t at;
        checksum += hash;
        if (hash % 61 == 0) {
            while ((at = shmring_try_claim(&ring, type_id, length)) == 0) backoff(&spins, deadline, "the ring stayed full");
            if (at < 0) fail("shmring_try_claim: %d", at);
            memset(ring.base + at, 0xEE, (size_t)length);
            if (shmring_abort(&ring, at) != SHMRING_OK) fail("shmring_abort failed");
            aborted++;
        }
        if ((seq & 1) == 0) {
            for (int32_t i = 0; i < length; i++) scratch[i] = byte_at(hash, (uint32_t)i);
            int rc;
            while ((rc = shmring_write(&ring, type_id, scratch, length)) == 0) backoff(&spins, deadline, "the ring stayed full");
            if (rc < 0) fail("shmring_write: %d", rc);
        } else {
            while ((at = shmring_try_claim(&ring, type_id, length)) == 0) backoff(&spins, deadline, "the ring stayed full");
            if (at < 0) fail("shmring_try_claim: %d", at);
            for (int32_t i = 0; i < length; i++) ring.base[at + i] = byte_at(hash, (uint32_t)i);
            if (shmring_commit(&ring, at) != SHMRING_OK) fail("shmring_commit failed");
        }
    }
    printf("done %u %u %u\n", count, aborted, checksum);
    return 0;
}

struct verifier {
    uint32_t producers, next[MAX_PRODUCERS], checksums[MAX_PRODUCERS];
    uint64_t total;
    int32_t max;
};

static void verify(int32_t type_id, const uint8_t *payload, int32_t length, void *context) {
    struct verifier *v = context;
    uint32_t producer = (uint32_t)(type_id - 1) & 7u;
    if (producer >= v->producers) fail("message %llu: typeId %d names producer %u", (unsigned long long)v->total, type_id, producer);
    uint32_t seq = v->next[producer];
    if (type_id != message_type_id(producer, seq)) fail("producer %u: expected seq %u, got typeId %d", producer, seq, type_id);
    uint32_t hash = message_hash(producer, seq);
    int32_t expected = message_length(hash, v->max);
    if (length != expected) fail("producer %u seq %u: length %d, expected %d", producer, seq, length, expected);
    for (int32_t i = 0; i < length; i++) {
        if (payload[i] != byte_at(hash, (uint32_t)i)) fail("producer %u seq %u: byte %d differs", producer, seq, i);
    }
    v->checksums[producer] += hash;
    v->next[producer] = seq + 1;
    v->total++;
}

static int consume(const char *name, uint32_t producers, uint32_t per_producer) {
    shmring_t ring;
    attach(&ring, name);
    if (producers == 0 || producers > MAX_PRODUCERS) fail("bad producer count");
    struct verifier v = {.producers = producers, .max = ring.max_message_length};
    uint64_t total = (uint64_t)producers * per_producer;
    time_t deadline = time(NULL) + TIMEOUT_SECONDS;
    unsigned spins = 0;
    while (v.total < total) {
        int n = shmring_read(&ring, verify, &v, 4096);
        if (n < 0) fail("shmring_read: %d at position %lld", n, (long long)ring.error_position);
        if (n == 0) backoff(&spins, deadline, "messages stopped coming");
        else spins = 0;
    }
    if (shmring_read(&ring, verify, &v, 1 << 30) != 0) fail("more messages than were sent");
    printf("ok %llu", (unsigned long long)v.total);
    for (uint32_t p = 0; p < producers; p++) printf(" %u", v.checksums[p]);
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "create") == 0) return create(argv[2], argv[3], (int32_t)atoi(argv[4]));
    if (argc == 5 && strcmp(argv[1], "produce") == 0) return produce(argv[2], (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]));
    if (argc == 5 && strcmp(argv[1], "consume") == 0) return consume(argv[2], (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]));
    fprintf(stderr, "usage: ring_interop create|produce|consume <shm-name> ...\n");
    return 1;
}
