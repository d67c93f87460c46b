/*
 * shmring.h: the shmring segment format, and a C11 implementation of its SPSC and MPSC
 * rings as static inline functions. Include it alone (plus libc); map the segment yourself
 * (shm_open + mmap, a memfd, a file) and hand its base address to shmring_attach.
 *
 * Segment = 4096-byte metadata page, data area (capacity bytes, a power of two), 768-byte
 * trailer; all little-endian. Data area + trailer are byte-compatible with Agrona's
 * OneToOneRingBuffer / ManyToOneRingBuffer. docs/FORMAT.md describes every field; the
 * TypeScript implementation is src/ring/. Keep the three in step (test/ring-constants.test.ts
 * checks the numbers).
 */
#ifndef SHMRING_H
#define SHMRING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

/* glibc declares syscall() only with _DEFAULT_SOURCE or _GNU_SOURCE; a compatible
 * redeclaration keeps this header usable under a strict _POSIX_C_SOURCE. */
long syscall(long number, ...);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "shmring segments are little-endian; this target is not"
#endif

/* ---- metadata page ------------------------------------------------------------------ */
#define SHMRING_MAGIC 0x474E5253u /* "SRNG" as little-endian bytes */
#define SHMRING_FORMAT_VERSION 1
#define SHMRING_KIND_SPSC 1
#define SHMRING_KIND_MPSC 2
#define SHMRING_METADATA_LENGTH 4096
#define SHMRING_DATA_OFFSET SHMRING_METADATA_LENGTH

/* line 0 (0..127): identity, written once by the creator, magic last (release) */
#define SHMRING_MAGIC_OFFSET 0                /* u32 */
#define SHMRING_VERSION_OFFSET 4              /* u16 */
#define SHMRING_KIND_OFFSET 6                 /* u16 */
#define SHMRING_METADATA_LENGTH_OFFSET 8      /* u32 */
#define SHMRING_TRAILER_LENGTH_OFFSET 12      /* u32 */
#define SHMRING_CAPACITY_OFFSET 16            /* u64 */
#define SHMRING_MAX_MESSAGE_LENGTH_OFFSET 24  /* u32 */
#define SHMRING_RESERVED_OFFSET 28            /* u32 */
#define SHMRING_CREATOR_PID_OFFSET 32         /* i32 */
#define SHMRING_CREATOR_UID_OFFSET 36         /* u32 */
#define SHMRING_CREATOR_START_TIME_OFFSET 40  /* u64, clock ticks since boot (/proc/<pid>/stat field 22) */
#define SHMRING_CREATED_AT_OFFSET 48          /* u64, epoch ms */

/* line 1 (128..255): status */
#define SHMRING_STATUS_OFFSET 128             /* i32 flags */
#define SHMRING_PRODUCER_COUNT_OFFSET 132     /* i32, reserved (zero): producers are counted in the registry */
#define SHMRING_STATUS_CONSUMER_CLOSED 1
#define SHMRING_STATUS_PRODUCERS_CLOSED 2
#define SHMRING_STATUS_BROKEN 4
#define SHMRING_STATUS_KEEP_OPEN 8

/* line 2 (256..383): data available */
#define SHMRING_DATA_AVAILABLE_FUTEX_OFFSET 256  /* i32 sequence */
#define SHMRING_SLEEPING_CONSUMERS_OFFSET 260    /* i32 */
#define SHMRING_DOORBELL_OFFSET 264              /* i32 pid, u32 nonce, i32 token, i32 refused (FORMAT.md) */

/* line 3 (384..511): space available */
#define SHMRING_SPACE_AVAILABLE_FUTEX_OFFSET 384 /* i32 sequence */
#define SHMRING_SLEEPING_PRODUCERS_OFFSET 388    /* i32 */

/* line 4 (512..639): consumer liveness */
#define SHMRING_CONSUMER_PID_OFFSET 512          /* i32 */
#define SHMRING_CONSUMER_PID_NAMESPACE_OFFSET 516 /* u32 inode of its pid namespace, 0 unknown */
#define SHMRING_CONSUMER_START_TIME_OFFSET 520   /* u64 */
#define SHMRING_CONSUMER_ATTACH_LOCK_OFFSET 528  /* i32: pid of the process attaching a consumer, 0 none */

/* 1024..3071: producer registry */
#define SHMRING_PRODUCER_REGISTRY_OFFSET 1024
#define SHMRING_PRODUCER_SLOT_LENGTH 32
#define SHMRING_PRODUCER_SLOTS 64
#define SHMRING_PRODUCER_SLOT_PID_OFFSET 0         /* i32 */
#define SHMRING_PRODUCER_SLOT_STATE_OFFSET 4       /* i32: state in bits 0-1 (0 free, 1 open, 2 closing), generation above */
#define SHMRING_PRODUCER_SLOT_START_TIME_OFFSET 8  /* u64, clock ticks since boot */
#define SHMRING_PRODUCER_SLOT_PID_NAMESPACE_OFFSET 16 /* u32 inode of its pid namespace, 0 unknown */
#define SHMRING_PRODUCER_SLOT_HEARTBEAT_OFFSET 20  /* i32, low 32 bits of epoch ms */
#define SHMRING_PRODUCER_SLOT_CLAIM_OFFSET 24      /* i32, low half of the tail seen before a claim | 1; 0 none */
#define SHMRING_PRODUCER_SLOT_HEARTBEAT_TIMEOUT_OFFSET 28 /* i32 ms */

/* 3072..3139: the channel's codec, written by the creator before the magic (length 0: none) */
#define SHMRING_CODEC_NAME_LENGTH_OFFSET 3072      /* u32, bytes of UTF-8 */
#define SHMRING_CODEC_NAME_OFFSET 3076             /* UTF-8, CODEC_NAME_MAX_LENGTH bytes */
#define SHMRING_CODEC_NAME_MAX_LENGTH 64

/* ---- trailer (after the data area), Agrona's RingBufferDescriptor ---------------------- */
#define SHMRING_TAIL_POSITION_OFFSET 128        /* i64 */
#define SHMRING_HEAD_CACHE_POSITION_OFFSET 256  /* i64 */
#define SHMRING_HEAD_POSITION_OFFSET 384        /* i64 */
#define SHMRING_CORRELATION_COUNTER_OFFSET 512  /* i64 */
#define SHMRING_CONSUMER_HEARTBEAT_OFFSET 640   /* i64, epoch ms */
#define SHMRING_TRAILER_LENGTH 768
#define SHMRING_MIN_CAPACITY 64
#define SHMRING_MAX_CAPACITY (1 << 30)

/* ---- records, Agrona's RecordDescriptor ------------------------------------------------ */
#define SHMRING_HEADER_LENGTH 8
#define SHMRING_ALIGNMENT 8
#define SHMRING_LENGTH_OFFSET 0   /* i32: < 0 being written, 0 free, > 0 committed (header included) */
#define SHMRING_TYPE_OFFSET 4     /* i32: > 0 message, -1 padding */
#define SHMRING_PADDING_TYPE_ID (-1)
#define SHMRING_MAX_TYPE_ID 0x7FFFFFFF

/* ---- results ------------------------------------------------------------------------ */
#define SHMRING_OK 0
#define SHMRING_ERR_NOT_READY (-1)   /* magic still 0: the creator has not finished */
#define SHMRING_ERR_BAD_FORMAT (-2)  /* not a valid segment for this version */
#define SHMRING_ERR_ARGUMENT (-3)    /* bad typeId, length, index or buffer size */
#define SHMRING_ERR_CORRUPT (-4)     /* shared memory holds an impossible record or position */
#define SHMRING_ERR_NOT_CLAIMED (-5) /* commit/abort of a record that is not claimed */
#define SHMRING_ERR_CLAIM_LOST (-7) /* the consumer cleared this producer's claim meanwhile */
#define SHMRING_ERR_EXISTS (-6)      /* shmring_init on memory that already holds a ring */

#define SHMRING_SEGMENT_SIZE(capacity) \
    ((size_t)SHMRING_METADATA_LENGTH + (size_t)(capacity) + (size_t)SHMRING_TRAILER_LENGTH)

typedef struct shmring {
    uint8_t *base;    /* start of the segment */
    uint8_t *data;    /* base + SHMRING_DATA_OFFSET */
    uint8_t *trailer; /* data + capacity */
    int32_t capacity;
    int32_t mask;
    int32_t max_message_length;
    int32_t kind; /* SHMRING_KIND_SPSC or SHMRING_KIND_MPSC */
    /* After SHMRING_ERR_CORRUPT: the position of the offending record or counter. */
    int64_t error_position;
} shmring_t;

/* Called once per message; the payload is only valid during the call. */
typedef void (*shmring_handler_t)(int32_t type_id, const uint8_t *payload, int32_t length, void *context);

/* ---- atomic access to fields of the mapping --------------------------------------------- */
#define SHMRING_I32(p) ((_Atomic int32_t *)(void *)(p))
#define SHMRING_I64(p) ((_Atomic int64_t *)(void *)(p))

static inline int32_t shmring_load_acquire_i32(const void *p) {
    return atomic_load_explicit(SHMRING_I32(p), memory_order_acquire);
}
static inline void shmring_store_release_i32(void *p, int32_t v) {
    atomic_store_explicit(SHMRING_I32(p), v, memory_order_release);
}
static inline int64_t shmring_load_acquire_i64(const void *p) {
    return atomic_load_explicit(SHMRING_I64(p), memory_order_acquire);
}
static inline void shmring_store_release_i64(void *p, int64_t v) {
    atomic_store_explicit(SHMRING_I64(p), v, memory_order_release);
}
static inline int64_t shmring_load_relaxed_i64(const void *p) {
    return atomic_load_explicit(SHMRING_I64(p), memory_order_relaxed);
}

static inline int32_t shmring_align(int32_t length) {
    return (length + (SHMRING_ALIGNMENT - 1)) & ~(SHMRING_ALIGNMENT - 1);
}

static inline int shmring_valid_capacity(uint64_t capacity) {
    return capacity >= SHMRING_MIN_CAPACITY && capacity <= SHMRING_MAX_CAPACITY && (capacity & (capacity - 1)) == 0;
}

/* Start time of this process in clock ticks since boot (field 22 of /proc/self/stat), 0 when unknown. */
static inline uint64_t shmring_self_start_time(void) {
    char text[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL) return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* The command name (field 2) may hold spaces and ')': count fields after the last ')'. */
    char *p = strrchr(text, ')');
    if (p == NULL) return 0;
    p++;
    for (int field = 2; field < 22 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL) p++;
    }
    return p != NULL ? strtoull(p, NULL, 10) : 0;
}

/*
 * Lays a new ring out at `base` (`size` bytes, at least SHMRING_SEGMENT_SIZE(capacity)):
 * zeroes it, writes the identity fields, and stores the magic last with release semantics,
 * so a peer that reads the magic with acquire sees a complete page.
 */
static inline int shmring_init(void *base, size_t size, int32_t kind, int32_t capacity) {
    uint8_t *b = (uint8_t *)base;
    if (kind != SHMRING_KIND_SPSC && kind != SHMRING_KIND_MPSC) return SHMRING_ERR_ARGUMENT;
    if (capacity < 0 || !shmring_valid_capacity((uint64_t)capacity)) return SHMRING_ERR_ARGUMENT;
    if (size < SHMRING_SEGMENT_SIZE(capacity)) return SHMRING_ERR_ARGUMENT;
    if (shmring_load_acquire_i32(b + SHMRING_MAGIC_OFFSET) != 0) return SHMRING_ERR_EXISTS;
    memset(b, 0, SHMRING_SEGMENT_SIZE(capacity));
    uint16_t version = SHMRING_FORMAT_VERSION, kind16 = (uint16_t)kind;
    uint32_t metadata_length = SHMRING_METADATA_LENGTH, trailer_length = SHMRING_TRAILER_LENGTH;
    uint64_t capacity64 = (uint64_t)capacity;
    uint32_t max_length = (uint32_t)capacity >> 3, uid = (uint32_t)getuid();
    int32_t pid = (int32_t)getpid();
    uint64_t start_time = shmring_self_start_time();
    struct timespec now;
    timespec_get(&now, TIME_UTC); /* C11; CLOCK_REALTIME */
    uint64_t created_at = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    memcpy(b + SHMRING_VERSION_OFFSET, &version, 2);
    memcpy(b + SHMRING_KIND_OFFSET, &kind16, 2);
    memcpy(b + SHMRING_METADATA_LENGTH_OFFSET, &metadata_length, 4);
    memcpy(b + SHMRING_TRAILER_LENGTH_OFFSET, &trailer_length, 4);
    memcpy(b + SHMRING_CAPACITY_OFFSET, &capacity64, 8);
    memcpy(b + SHMRING_MAX_MESSAGE_LENGTH_OFFSET, &max_length, 4);
    memcpy(b + SHMRING_CREATOR_PID_OFFSET, &pid, 4);
    memcpy(b + SHMRING_CREATOR_UID_OFFSET, &uid, 4);
    memcpy(b + SHMRING_CREATOR_START_TIME_OFFSET, &start_time, 8);
    memcpy(b + SHMRING_CREATED_AT_OFFSET, &created_at, 8);
    shmring_store_release_i32(b + SHMRING_MAGIC_OFFSET, (int32_t)SHMRING_MAGIC);
    return SHMRING_OK;
}

/* Validates the metadata page at `base` (`size` mapped bytes) and fills `ring`. */
static inline int shmring_attach(shmring_t *ring, void *base, size_t size) {
    uint8_t *b = (uint8_t *)base;
    uint16_t version, kind;
    uint32_t metadata_length, trailer_length, max_length;
    uint64_t capacity;
    if (size < SHMRING_METADATA_LENGTH) return SHMRING_ERR_BAD_FORMAT;
    uint32_t magic = (uint32_t)shmring_load_acquire_i32(b + SHMRING_MAGIC_OFFSET);
    if (magic == 0) return SHMRING_ERR_NOT_READY;
    if (magic != SHMRING_MAGIC) return SHMRING_ERR_BAD_FORMAT;
    memcpy(&version, b + SHMRING_VERSION_OFFSET, 2);
    memcpy(&kind, b + SHMRING_KIND_OFFSET, 2);
    memcpy(&metadata_length, b + SHMRING_METADATA_LENGTH_OFFSET, 4);
    memcpy(&trailer_length, b + SHMRING_TRAILER_LENGTH_OFFSET, 4);
    memcpy(&capacity, b + SHMRING_CAPACITY_OFFSET, 8);
    memcpy(&max_length, b + SHMRING_MAX_MESSAGE_LENGTH_OFFSET, 4);
    if (version != SHMRING_FORMAT_VERSION) return SHMRING_ERR_BAD_FORMAT;
    if (kind != SHMRING_KIND_SPSC && kind != SHMRING_KIND_MPSC) return SHMRING_ERR_BAD_FORMAT;
    if (metadata_length != SHMRING_METADATA_LENGTH || trailer_length != SHMRING_TRAILER_LENGTH) return SHMRING_ERR_BAD_FORMAT;
    if (!shmring_valid_capacity(capacity) || SHMRING_SEGMENT_SIZE(capacity) > size) return SHMRING_ERR_BAD_FORMAT;
    if (max_length != (uint32_t)(capacity >> 3)) return SHMRING_ERR_BAD_FORMAT;
    ring->base = b;
    ring->data = b + SHMRING_DATA_OFFSET;
    ring->trailer = ring->data + capacity;
    ring->capacity = (int32_t)capacity;
    ring->mask = (int32_t)capacity - 1;
    ring->max_message_length = (int32_t)max_length;
    ring->kind = kind;
    ring->error_position = 0;
    return SHMRING_OK;
}

/* ---- producers ------------------------------------------------------------------------ */

/* Reads the consumer's head for a producer whose tail is `tail`; < 0 when head and tail disagree. */
static inline int shmring_fresh_head(shmring_t *ring, int64_t tail, int64_t *head) {
    *head = shmring_load_acquire_i64(ring->trailer + SHMRING_HEAD_POSITION_OFFSET);
    int64_t used = tail - *head;
    if (used < 0 || used > ring->capacity) {
        ring->error_position = *head;
        return SHMRING_ERR_CORRUPT;
    }
    /* A hint for producers; readers only use the int32 difference (as Agrona does). */
    atomic_store_explicit(SHMRING_I64(ring->trailer + SHMRING_HEAD_CACHE_POSITION_OFFSET), *head, memory_order_relaxed);
    return SHMRING_OK;
}

/*
 * SPSC claim of `record_length` (aligned) bytes: the record's offset from base, 0 when full,
 * < 0 on error. Reserves room for, and zeroes, the header after the record, so that the
 * consumer never reads a stale header and never has to zero what it consumed. Marks the
 * record (and the wrap's padding) in progress before the tail moves over it, so that every
 * claimed byte below the tail belongs to a record whose length word tells its extent: a
 * consumer can clear what a producer that died right after this left (Agrona marks after).
 */
static inline int32_t shmring_spsc_claim(shmring_t *ring, int32_t record_length) {
    uint8_t *trailer = ring->trailer;
    const int32_t capacity = ring->capacity, mask = ring->mask;
    const int32_t required = record_length + SHMRING_HEADER_LENGTH;
    const int64_t tail = shmring_load_relaxed_i64(trailer + SHMRING_TAIL_POSITION_OFFSET); /* ours alone */
    int64_t head = shmring_load_relaxed_i64(trailer + SHMRING_HEAD_CACHE_POSITION_OFFSET);
    if ((uint64_t)(uint32_t)(int32_t)(tail - head) + (uint64_t)required > (uint64_t)capacity) {
        if (shmring_fresh_head(ring, tail, &head) < 0) return SHMRING_ERR_CORRUPT;
        if ((int32_t)(tail - head) + required > capacity) return 0;
    }
    int32_t index = (int32_t)tail & mask;
    const int32_t to_end = capacity - index;
    int32_t padding = 0;
    if (required > to_end) {
        if (required > ((int32_t)head & mask)) {
            if (shmring_fresh_head(ring, tail, &head) < 0) return SHMRING_ERR_CORRUPT;
            if (required > ((int32_t)head & mask)) return 0;
        }
        padding = to_end;
        memset(ring->data, 0, SHMRING_HEADER_LENGTH);
    }
    const int32_t record = padding != 0 ? 0 : index;
    /* The next header: may be the first (unused) trailer bytes when the record ends the data. */
    memset(ring->data + record + record_length, 0, SHMRING_HEADER_LENGTH);
    /* In progress before the tail moves over it (shmring_try_claim sets the exact header). */
    atomic_store_explicit(SHMRING_I32(ring->data + record + SHMRING_TYPE_OFFSET), 0, memory_order_relaxed);
    atomic_store_explicit(SHMRING_I32(ring->data + record), -record_length, memory_order_relaxed);
    if (padding != 0) {
        atomic_store_explicit(SHMRING_I32(ring->data + index + SHMRING_TYPE_OFFSET), SHMRING_PADDING_TYPE_ID, memory_order_relaxed);
        atomic_store_explicit(SHMRING_I32(ring->data + index), -padding, memory_order_relaxed);
    }
    /* Release the tail (and with it the marks) before the padding, so that head <= tail always holds. */
    shmring_store_release_i64(trailer + SHMRING_TAIL_POSITION_OFFSET, tail + record_length + padding);
    if (padding != 0) shmring_store_release_i32(ring->data + index, padding);
    return SHMRING_DATA_OFFSET + record;
}

/* MPSC claim: CAS on the tail; a lost race or a full ring changes nothing but the head cache. */
static inline int32_t shmring_mpsc_claim(shmring_t *ring, int32_t record_length) {
    uint8_t *trailer = ring->trailer;
    const int32_t capacity = ring->capacity, mask = ring->mask;
    int64_t head = shmring_load_acquire_i64(trailer + SHMRING_HEAD_CACHE_POSITION_OFFSET);
    int64_t tail;
    int32_t padding;
    for (;;) {
        tail = shmring_load_acquire_i64(trailer + SHMRING_TAIL_POSITION_OFFSET);
        if ((uint64_t)(uint32_t)(int32_t)(tail - head) + (uint64_t)record_length > (uint64_t)capacity) {
            if (shmring_fresh_head(ring, tail, &head) < 0) {
                /* Our tail may be older than the head: only a current tail proves corruption. */
                if (shmring_load_acquire_i64(trailer + SHMRING_TAIL_POSITION_OFFSET) != tail) continue;
                return SHMRING_ERR_CORRUPT;
            }
            if ((int32_t)(tail - head) + record_length > capacity) return 0;
        }
        padding = 0;
        const int32_t to_end = capacity - ((int32_t)tail & mask);
        if (record_length > to_end) {
            if (record_length > ((int32_t)head & mask)) {
                if (shmring_fresh_head(ring, tail, &head) < 0) {
                    if (shmring_load_acquire_i64(trailer + SHMRING_TAIL_POSITION_OFFSET) != tail) continue;
                    return SHMRING_ERR_CORRUPT;
                }
                if (record_length > ((int32_t)head & mask)) return 0;
            }
            padding = to_end;
        }
        int64_t expected = tail;
        if (atomic_compare_exchange_weak_explicit(SHMRING_I64(trailer + SHMRING_TAIL_POSITION_OFFSET), &expected,
                                                  tail + record_length + padding, memory_order_acq_rel,
                                                  memory_order_relaxed))
            break;
    }
    int32_t index = (int32_t)tail & mask;
    if (padding != 0) {
        /* Like a record: in progress, then type, then the release of the length. */
        atomic_store_explicit(SHMRING_I32(ring->data + index), -padding, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(SHMRING_I32(ring->data + index + SHMRING_TYPE_OFFSET), SHMRING_PADDING_TYPE_ID, memory_order_relaxed);
        shmring_store_release_i32(ring->data + index, padding);
        index = 0;
    }
    return SHMRING_DATA_OFFSET + index;
}

static inline int shmring_check_message(const shmring_t *ring, int32_t type_id, int32_t length) {
    return type_id >= 1 && length >= 0 && length <= ring->max_message_length;
}

/*
 * Reserves a record of `length` payload bytes: returns the payload's offset from the base
 * (> 0; write it, then shmring_commit or shmring_abort), 0 when full, < 0 on error.
 */
static inline int32_t shmring_try_claim(shmring_t *ring, int32_t type_id, int32_t length) {
    if (!shmring_check_message(ring, type_id, length)) return SHMRING_ERR_ARGUMENT;
    const int32_t record_length = length + SHMRING_HEADER_LENGTH;
    if (ring->kind == SHMRING_KIND_SPSC) {
        int32_t record = shmring_spsc_claim(ring, shmring_align(record_length));
        if (record <= 0) return record;
        atomic_store_explicit(SHMRING_I32(ring->base + record + SHMRING_TYPE_OFFSET), type_id, memory_order_relaxed);
        atomic_store_explicit(SHMRING_I32(ring->base + record), -record_length, memory_order_relaxed);
        return record + SHMRING_HEADER_LENGTH;
    }
    int32_t record = shmring_mpsc_claim(ring, shmring_align(record_length));
    if (record <= 0) return record;
    atomic_store_explicit(SHMRING_I32(ring->base + record), -record_length, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(SHMRING_I32(ring->base + record + SHMRING_TYPE_OFFSET), type_id, memory_order_relaxed);
    return record + SHMRING_HEADER_LENGTH;
}

/* The record of a payload offset from shmring_try_claim, or < 0. */
static inline int32_t shmring_claimed_record(const shmring_t *ring, int32_t payload) {
    int32_t record = payload - SHMRING_HEADER_LENGTH - SHMRING_DATA_OFFSET;
    if (record < 0 || record > ring->capacity - SHMRING_HEADER_LENGTH || (record & (SHMRING_ALIGNMENT - 1)) != 0)
        return SHMRING_ERR_ARGUMENT;
    if (atomic_load_explicit(SHMRING_I32(ring->data + record), memory_order_relaxed) >= 0) return SHMRING_ERR_NOT_CLAIMED;
    return record;
}

/*
 * Publishes the record at data index `record` whose length word holds `in_progress` (< 0).
 * A compare-and-swap, not a store: a consumer that took this producer for dead swaps the
 * length for 0 before it pads the record, and the producer must then learn that its claim is
 * gone (SHMRING_ERR_CLAIM_LOST) instead of publishing into space the consumer skipped. Being
 * sequentially consistent, it is also the full fence the wake-up handshake needs before a
 * producer reads the sleeper count (shmring_notify).
 */
static inline int shmring_publish(shmring_t *ring, int32_t record, int32_t in_progress) {
    int32_t expected = in_progress;
    if (!atomic_compare_exchange_strong(SHMRING_I32(ring->data + record), &expected, -in_progress))
        return SHMRING_ERR_CLAIM_LOST;
    return SHMRING_OK;
}

/* Publishes a claimed record. */
static inline int shmring_commit(shmring_t *ring, int32_t payload) {
    int32_t record = shmring_claimed_record(ring, payload);
    if (record < 0) return record;
    int32_t length = atomic_load_explicit(SHMRING_I32(ring->data + record), memory_order_relaxed);
    return shmring_publish(ring, record, length);
}

/* Gives a claimed record up: the consumer skips it as padding. */
static inline int shmring_abort(shmring_t *ring, int32_t payload) {
    int32_t record = shmring_claimed_record(ring, payload);
    if (record < 0) return record;
    int32_t length = atomic_load_explicit(SHMRING_I32(ring->data + record), memory_order_relaxed);
    atomic_store_explicit(SHMRING_I32(ring->data + record + SHMRING_TYPE_OFFSET), SHMRING_PADDING_TYPE_ID, memory_order_relaxed);
    return shmring_publish(ring, record, length);
}

/* Copies one message into the ring: 1 written, 0 full, < 0 on error. */
static inline int shmring_write(shmring_t *ring, int32_t type_id, const void *payload, int32_t length) {
    int32_t at = shmring_try_claim(ring, type_id, length);
    if (at <= 0) return at;
    memcpy(ring->base + at, payload, (size_t)length);
    /* Type and payload become visible with the positive length. */
    int status = shmring_publish(ring, at - SHMRING_HEADER_LENGTH - SHMRING_DATA_OFFSET, -(length + SHMRING_HEADER_LENGTH));
    return status == SHMRING_OK ? 1 : status;
}

/* ---- consumer ------------------------------------------------------------------------- */

static inline int shmring_read_block(shmring_t *ring, shmring_handler_t handler, void *context, int limit, int *wrapped) {
    uint8_t *trailer = ring->trailer;
    const int64_t head = shmring_load_relaxed_i64(trailer + SHMRING_HEAD_POSITION_OFFSET); /* ours alone */
    const int32_t head_index = (int32_t)head & ring->mask;
    const int32_t block_length = ring->capacity - head_index;
    uint8_t *block = ring->data + head_index;
    int64_t tail = shmring_load_acquire_i64(trailer + SHMRING_TAIL_POSITION_OFFSET);
    int32_t bytes_read = 0;
    int count = 0, result = 0;
    *wrapped = 0;
    if ((head & (SHMRING_ALIGNMENT - 1)) != 0) {
        ring->error_position = head;
        return SHMRING_ERR_CORRUPT;
    }
    while (bytes_read < block_length && count < limit) {
        uint8_t *record = block + bytes_read;
        const int32_t length = shmring_load_acquire_i32(record);
        const int32_t room = block_length - bytes_read;
        if (length <= 0) {
            if (length < 0 && (length > -SHMRING_HEADER_LENGTH || length < -room)) result = SHMRING_ERR_CORRUPT;
            break;
        }
        if (length < SHMRING_HEADER_LENGTH || length > room) {
            result = SHMRING_ERR_CORRUPT;
            break;
        }
        const int32_t type_id = atomic_load_explicit(SHMRING_I32(record + SHMRING_TYPE_OFFSET), memory_order_relaxed);
        const int32_t aligned = shmring_align(length);
        if (type_id == SHMRING_PADDING_TYPE_ID) {
            bytes_read += aligned;
            continue;
        }
        if (type_id < 1 || length - SHMRING_HEADER_LENGTH > ring->max_message_length) {
            result = SHMRING_ERR_CORRUPT;
            break;
        }
        /* A record ends at most the capacity below the tail, and not past it: producers move
           the tail before they commit, so look again before calling it corrupt. */
        const int64_t end = head + bytes_read + aligned;
        if (end > tail || tail - end > ring->capacity) {
            tail = shmring_load_acquire_i64(trailer + SHMRING_TAIL_POSITION_OFFSET);
            if (end > tail || tail - end > ring->capacity) {
                result = SHMRING_ERR_CORRUPT;
                break;
            }
        }
        bytes_read += aligned;
        count++;
        handler(type_id, record + SHMRING_HEADER_LENGTH, length - SHMRING_HEADER_LENGTH, context);
    }
    if (result < 0) ring->error_position = head + bytes_read;
    if (bytes_read != 0) {
        /* MPSC producers do not pre-zero: hand the space back zeroed. */
        if (ring->kind == SHMRING_KIND_MPSC) memset(block, 0, (size_t)bytes_read);
        shmring_store_release_i64(trailer + SHMRING_HEAD_POSITION_OFFSET, head + bytes_read);
        *wrapped = bytes_read == block_length;
    }
    return result < 0 ? result : count;
}

/*
 * Hands up to `limit` committed messages to `handler`; returns how many, or
 * SHMRING_ERR_CORRUPT (ring->error_position says where; the records before it are consumed).
 */
static inline int shmring_read(shmring_t *ring, shmring_handler_t handler, void *context, int limit) {
    int wrapped;
    int count = shmring_read_block(ring, handler, context, limit, &wrapped);
    if (count >= 0 && wrapped && count < limit) {
        int more = shmring_read_block(ring, handler, context, limit - count, &wrapped);
        return more < 0 ? more : count + more;
    }
    return count;
}

/* ---- waiting and waking (docs/FORMAT.md, "Waiting and waking") ------------------------ */

/* One side's handle on an eventcount: the two shared words, and what this process's own
 * last wake left in the futex word (so a notifier makes one syscall per announcement, not
 * one per publish). One per direction per process (or thread); zero-initialise it with
 * shmring_event_init. */
typedef struct shmring_event {
    _Atomic int32_t *word;     /* the futex word: a sequence number */
    _Atomic int32_t *sleepers; /* how many sleepers are announced */
    _Atomic int32_t *doorbell; /* "data available": the doorbell words (pid, nonce, token, refused); else NULL */
    int32_t last_wake;
    int has_last_wake;
} shmring_event_t;

/* `futex_offset`: SHMRING_DATA_AVAILABLE_FUTEX_OFFSET (consumers sleep there, producers
 * notify) or SHMRING_SPACE_AVAILABLE_FUTEX_OFFSET (producers facing a full ring sleep there,
 * the consumer notifies). The sleeper count is the word after it. */
static inline void shmring_event_init(shmring_event_t *event, const shmring_t *ring, int32_t futex_offset) {
    event->word = SHMRING_I32(ring->base + futex_offset);
    event->sleepers = SHMRING_I32(ring->base + futex_offset + 4);
    event->doorbell = futex_offset == SHMRING_DATA_AVAILABLE_FUTEX_OFFSET
                          ? SHMRING_I32(ring->base + SHMRING_DOORBELL_OFFSET)
                          : NULL;
    event->last_wake = 0;
    event->has_last_wake = 0;
}

/* Rings the doorbell of a consumer asleep on an event loop, if one is armed (docs/FORMAT.md,
 * "The doorbell"); call after bumping the futex word. A hint: a ring that cannot arrive (nobody
 * at the address in this network namespace) is reported in the refused word, and the sleeper
 * is woken by the futex later; a socket per ring keeps no state. */
static inline void shmring_ring_doorbell(const shmring_event_t *event) {
    if (event->doorbell == NULL) return;
    int32_t token = atomic_load_explicit(event->doorbell + 2, memory_order_seq_cst);
    if (token == 0) return;
    unsigned pid = (uint32_t)atomic_load_explicit(event->doorbell, memory_order_seq_cst);
    unsigned nonce = (uint32_t)atomic_load_explicit(event->doorbell + 1, memory_order_seq_cst);
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    /* sun_path[0] stays NUL: the abstract namespace. */
    int length = snprintf(address.sun_path + 1, sizeof address.sun_path - 1, "shmring.%u.%u", pid, nonce);
    int saved_errno = errno;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd >= 0) {
        ssize_t sent = sendto(fd, &token, sizeof token, MSG_DONTWAIT, (const struct sockaddr *)&address,
                              (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)length));
        /* Only "nobody at that address" says something about the doorbell; and only about the
         * sleep whose token it was (a new one may have armed meanwhile). */
        if (sent < 0 && (errno == ECONNREFUSED || errno == ENOENT) &&
            atomic_load_explicit(event->doorbell + 2, memory_order_seq_cst) == token)
            atomic_store_explicit(event->doorbell + 3, 1, memory_order_seq_cst);
        close(fd);
    }
    errno = saved_errno;
}

/* Wakes every sleeper, whoever they are (close, end of stream). Returns how many woke, or
 * -errno. The shared FUTEX_WAKE (not the private one): sleepers are other processes. */
static inline int shmring_notify_all(shmring_event_t *event) {
    event->last_wake = atomic_fetch_add_explicit(event->word, 1, memory_order_seq_cst) + 1;
    event->has_last_wake = 1;
    shmring_ring_doorbell(event);
    long woken = syscall(SYS_futex, (void *)event->word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    return woken < 0 ? -errno : (int)woken;
}

/*
 * Call after publishing (shmring_write, shmring_commit, shmring_abort; or, on the consumer
 * side, after moving the head): wakes the other side if it announced sleep. Returns how many
 * woke (0 without a syscall when nobody sleeps), or -errno.
 *
 * The full fence is what makes the handshake lose no wake-up: the publish is a release
 * store, which may be ordered after the following load of the sleeper count (x86 reorders a
 * store with a later load; so does ARM). The sleeper increments the count and then reads the
 * ring; with the fence here, at least one of the two sees the other's write.
 */
static inline int shmring_notify(shmring_event_t *event) {
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(event->sleepers, memory_order_seq_cst) == 0) return 0;
    if (event->has_last_wake && atomic_load_explicit(event->word, memory_order_seq_cst) == event->last_wake) return 0;
    return shmring_notify_all(event);
}

/* Sleeper, step 1: announces a sleeper and returns the key to sleep on. Check the condition
 * next: if it holds, shmring_withdraw and go on; if not, shmring_sleep(key). */
static inline int32_t shmring_announce(shmring_event_t *event) {
    atomic_fetch_add_explicit(event->sleepers, 1, memory_order_seq_cst);
    int32_t key = atomic_fetch_add_explicit(event->word, 1, memory_order_seq_cst) + 1;
    /* The re-check that follows must not be satisfied from before the announcement. */
    atomic_thread_fence(memory_order_seq_cst);
    return key;
}

/* Withdraws an announcement whose re-check found the condition true. */
static inline void shmring_withdraw(shmring_event_t *event) {
    atomic_fetch_sub_explicit(event->sleepers, 1, memory_order_seq_cst);
}

/* Sleeper, step 2: sleeps until woken, the word moved past `key`, a signal, or `timeout`
 * (NULL: none) passes; then withdraws. Returns 0 (check the condition again: a wake-up may
 * be spurious), ETIMEDOUT, or another errno. */
static inline int shmring_sleep(shmring_event_t *event, int32_t key, const struct timespec *timeout) {
    long rc = syscall(SYS_futex, (void *)event->word, FUTEX_WAIT, key, timeout, NULL, 0);
    int err = rc == 0 || errno == EAGAIN || errno == EINTR ? 0 : errno;
    shmring_withdraw(event);
    return err;
}

/* ---- counters ------------------------------------------------------------------------- */

static inline int64_t shmring_producer_position(const shmring_t *ring) {
    return shmring_load_acquire_i64(ring->trailer + SHMRING_TAIL_POSITION_OFFSET);
}

static inline int64_t shmring_consumer_position(const shmring_t *ring) {
    return shmring_load_acquire_i64(ring->trailer + SHMRING_HEAD_POSITION_OFFSET);
}

static inline int32_t shmring_size(const shmring_t *ring) {
    int64_t before, tail, after = shmring_consumer_position(ring);
    do {
        before = after;
        tail = shmring_producer_position(ring);
        after = shmring_consumer_position(ring);
    } while (after != before);
    int64_t size = tail - after;
    return size < 0 ? 0 : size > ring->capacity ? ring->capacity : (int32_t)size;
}

static inline int64_t shmring_next_correlation_id(shmring_t *ring) {
    return atomic_fetch_add_explicit(SHMRING_I64(ring->trailer + SHMRING_CORRELATION_COUNTER_OFFSET), 1, memory_order_acq_rel);
}

static inline int64_t shmring_consumer_heartbeat(const shmring_t *ring) {
    return shmring_load_acquire_i64(ring->trailer + SHMRING_CONSUMER_HEARTBEAT_OFFSET);
}

static inline void shmring_set_consumer_heartbeat(shmring_t *ring, int64_t epoch_ms) {
    shmring_store_release_i64(ring->trailer + SHMRING_CONSUMER_HEARTBEAT_OFFSET, epoch_ms);
}

/* ---- recovery: clearing what dead producers left (docs/FORMAT.md, "Recovery") -----------
 * The same walk as the TypeScript consumer's watchdog (src/ring/ring-buffer.ts clearBlockers):
 * from the head up to `limit` (the low half of a tail read before deciding), committed records
 * are stepped over, and each uncommitted one is turned into padding if `may_clear` allows it,
 * stopping at the first it refuses or whose extent cannot be known yet. An in-progress length
 * is first swapped for 0 by CAS (the consumer still waits there), so a producer that commits
 * with a CAS from its in-progress length learns that its claim was cleared
 * (SHMRING_ERR_CLAIM_LOST) instead of publishing into space the consumer skipped. */

/* Whether the uncommitted record at `position` (low 32 bits) may be cleared; `at_head`: it is
 * the record the consumer waits for. */
typedef int (*shmring_clear_policy_t)(int32_t position, int at_head, void *context);

/* The aligned extent of the uncommitted record at data index `index` whose length word is
 * `length` (< 0 in progress, 0 claimed but not marked), or 0 when it cannot be known now.
 * MPSC only for a zero length: consumed space is zeroed there, so the claim ends at the next
 * non-zero header; with none before the limit it may still be on its way, unless the limit
 * lies past the end of the data area. */
static inline int32_t shmring_claim_extent(const shmring_t *ring, int32_t index, int32_t length, int32_t to_limit) {
    if (length < 0) return shmring_align(-length); /* checked by the caller: -length fits */
    if (ring->kind != SHMRING_KIND_MPSC) return 0;
    const int32_t to_end = ring->capacity - index;
    const int32_t scan = to_limit < to_end ? to_limit : to_end;
    int32_t extent = SHMRING_ALIGNMENT;
    while (extent < scan && atomic_load_explicit(SHMRING_I32(ring->data + index + extent), memory_order_acquire) == 0)
        extent += SHMRING_ALIGNMENT;
    if (extent >= scan) {
        if (to_limit <= to_end) return 0;
        extent = to_end;
    }
    /* Nothing may have been written into the gap meanwhile (its producer would be alive). */
    for (int32_t i = 0; i < extent; i += 4)
        if (atomic_load_explicit(SHMRING_I32(ring->data + index + i), memory_order_acquire) != 0) return 0;
    return extent;
}

/* Turns the uncommitted record at `index` into `extent` bytes of padding; 0 if it changed. */
static inline int shmring_pad(shmring_t *ring, int32_t index, int32_t length, int32_t extent) {
    _Atomic int32_t *word = SHMRING_I32(ring->data + index + SHMRING_LENGTH_OFFSET);
    if (length < 0) {
        int32_t expected = length;
        if (!atomic_compare_exchange_strong(word, &expected, 0)) return 0;
    }
    atomic_store_explicit(SHMRING_I32(ring->data + index + SHMRING_TYPE_OFFSET), SHMRING_PADDING_TYPE_ID, memory_order_relaxed);
    atomic_store_explicit(word, extent, memory_order_seq_cst);
    return 1;
}

/* Consumer only. Returns how many records it cleared, or SHMRING_ERR_CORRUPT. */
static inline int shmring_clear_blockers(shmring_t *ring, int32_t limit, shmring_clear_policy_t may_clear, void *context) {
    const int32_t capacity = ring->capacity;
    const int32_t head = (int32_t)shmring_load_acquire_i64(ring->trailer + SHMRING_HEAD_POSITION_OFFSET);
    const int32_t span = (int32_t)((uint32_t)limit - (uint32_t)head);
    if (span > capacity || (head & (SHMRING_ALIGNMENT - 1)) != 0) {
        ring->error_position = shmring_consumer_position(ring);
        return SHMRING_ERR_CORRUPT;
    }
    int cleared = 0;
    for (int32_t offset = 0; offset < span;) {
        const int32_t position = (int32_t)((uint32_t)head + (uint32_t)offset);
        const int32_t index = position & ring->mask;
        const int32_t length = atomic_load_explicit(SHMRING_I32(ring->data + index + SHMRING_LENGTH_OFFSET), memory_order_acquire);
        if (length > 0) {
            if (length < SHMRING_HEADER_LENGTH || length > capacity - index) break; /* left to the read */
            offset += shmring_align(length);
            continue;
        }
        if (length < 0 && (length > -SHMRING_HEADER_LENGTH || length < index - capacity)) {
            ring->error_position = shmring_consumer_position(ring) + offset;
            return SHMRING_ERR_CORRUPT;
        }
        if (!may_clear(position, offset == 0, context)) break;
        const int32_t extent = shmring_claim_extent(ring, index, length, span - offset);
        if (extent == 0 || !shmring_pad(ring, index, length, extent)) break;
        cleared++;
        offset += extent;
    }
    return cleared;
}

static inline int shmring_clear_at_head(int32_t position, int at_head, void *context) {
    (void)position;
    (void)context;
    return at_head;
}

/* Clears the uncommitted record at the head, whoever claimed it: for a consumer that knows its
 * producer is dead (or whose head has not moved for its stuck-head timeout). 1 if cleared. */
static inline int shmring_unblock(shmring_t *ring) {
    const int32_t tail = (int32_t)shmring_load_acquire_i64(ring->trailer + SHMRING_TAIL_POSITION_OFFSET);
    return shmring_clear_blockers(ring, tail, shmring_clear_at_head, NULL);
}

#endif /* SHMRING_H */
