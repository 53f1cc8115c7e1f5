/* map_internal.h - the maps module's internal contract: the program-side operations the
 * helpers call (src/helpers/hlp_maps.c), the process-local map handle, the shared arena
 * layout, and the per-type operation tables implemented in src/maps/map_*.c.
 *
 * Program-side semantics are the kernel's helpers' (bpf_map_lookup_elem & co.): results are
 * 0 / -errno (long), lookups return a pointer into map storage or NULL. `cpu` is the run's
 * worker slot (xbpf_run_ctx__cpu); per-CPU maps use slot cpu % map->ncpus.
 *
 * Storage: every map's data lives in an arena (struct map_arena at offset 0 of a file
 * mapped MAP_SHARED); links inside it are offsets/indexes, locks are process-shared
 * spinlocks (map_lock_t), so pinned maps work across processes. PROG_ARRAY and *_OF_MAPS
 * slots hold process-local pointers (struct xbpf_prog * / struct xbpf_map *).
 *
 * Module prefix: map_ (hidden).
 */
#ifndef XBPF_MAP_INTERNAL_H
#define XBPF_MAP_INTERNAL_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/map.h"

#define MAP_HIDDEN __attribute__((visibility("hidden")))
#define MAP_MAGIC 0x4d425058u          /* "XPBM": a live struct xbpf_map */
#define MAP_ARENA_MAGIC 0x31504d4146504258ull /* "XBPFAMP1" at the start of an arena */
#define MAP_PAGE 4096u
#ifndef ENOTSUPP
#define ENOTSUPP 524                   /* the kernel's internal "not supported" */
#endif

/* Kernel limits used by the creation checks. */
#define MAP_KMALLOC_MAX (4u << 20)     /* KMALLOC_MAX_SIZE on x86-64 */
#define MAP_PCPU_VALUE_MAX 32768u      /* PCPU_MIN_UNIT_SIZE */
#define MAP_MAX_KEY 512u               /* MAX_BPF_STACK: hash key limit */
#define MAP_LPM_DATA_MAX 256u

/* ringbuf record header bits (uapi BPF_RINGBUF_*) */
#define MAP_RB_BUSY_BIT (1u << 31)
#define MAP_RB_DISCARD_BIT (1u << 30)
#define MAP_RB_HDR_SZ 8u
/* ringbuf_output/submit flags and ringbuf_query selectors */
#define MAP_RB_NO_WAKEUP 1u
#define MAP_RB_FORCE_WAKEUP 2u
#define MAP_RB_AVAIL_DATA 0
#define MAP_RB_RING_SIZE 1
#define MAP_RB_CONS_POS 2
#define MAP_RB_PROD_POS 3
/* perf_event_output flags */
#define MAP_F_INDEX_MASK 0xffffffffull
#define MAP_F_CURRENT_CPU 0xffffffffull

/* ---- process-shared spinlock ---------------------------------------------------------- */
/* The word holds the owner's thread id (22 bits) with a 10-bit check (0 = free). A waiter
 * that spins for long takes the lock over when the word is not a valid owner (corrupted),
 * when the owner thread no longer exists (a crashed user of a pinned map), or after the
 * same owner held it for MAP_LOCK_STALE_NS: nobody waits forever. */
#define MAP_LOCK_STALE_NS 5000000000ull
typedef struct { _Atomic uint32_t v; } map_lock_t;
MAP_HIDDEN void map_lock_slow(map_lock_t *l);
MAP_HIDDEN extern _Thread_local uint32_t map_tid;
MAP_HIDDEN uint32_t map_tid_init(void);
static inline uint32_t map_self(void)
{
	uint32_t t = map_tid;
	return __builtin_expect(t != 0, 1) ? t : map_tid_init();
}
static inline void map_lock(map_lock_t *l)
{
	uint32_t z = 0;
	if (__builtin_expect(atomic_compare_exchange_weak_explicit(&l->v, &z, map_self(),
			memory_order_acquire, memory_order_relaxed), 1))
		return;
	map_lock_slow(l);
}
static inline void map_unlock(map_lock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* ---- the arena header (shared, at offset 0 of the map file) ------------------------- */
struct map_arena {
	uint64_t magic;          /* MAP_ARENA_MAGIC */
	uint32_t version;        /* 1 */
	uint32_t type;
	uint32_t key_size, value_size, max_entries, map_flags;
	uint32_t ncpus;          /* CPU slots of per-CPU maps */
	uint32_t spin_lock_off;  /* UINT32_MAX: no struct bpf_spin_lock in the value */
	uint32_t perf_buf_size;
	_Atomic uint32_t frozen; /* xbpf_map__freeze(): user space may no longer write */
	char name[16];
	uint64_t file_size;      /* bytes of the file */
	uint64_t map_size;       /* bytes to map (ringbuf: data mapped twice) */
	uint64_t data_off;       /* start of the type's storage (page aligned) */
	map_lock_t lock;         /* map-wide lock (LRU, queue/stack, LPM, ringbuf producers) */
	uint32_t pad1;
	/* type-specific shared state */
	union {
		struct { uint32_t nbuckets; uint32_t elem_size; uint64_t buckets_off;
			 uint64_t elems_off; _Atomic uint32_t count; uint32_t bump;
			 uint32_t free_head; uint32_t lru_head, lru_tail; uint32_t seed;
			 map_lock_t free_lock; } h;
		struct { uint32_t head, tail, count, pad; } q;
		struct { uint32_t elem_size; uint32_t root; uint32_t free_head; uint32_t bump;
			 uint32_t count; uint32_t pad; } lpm;   /* map_lpm.c: node indexes */
		struct { uint64_t mask; } rb;
		struct { uint64_t slots_off; } pe;
	} u;
	/* ringbuf positions: each on its own cache line */
	_Alignas(64) _Atomic uint64_t rb_cons_pos;
	_Alignas(64) _Atomic uint64_t rb_prod_pos;
	_Alignas(64) _Atomic uint32_t rb_waiters;
	_Atomic uint32_t rb_seq; /* futex word bumped on every commit */
};

struct map_ops;

/* The process-local handle. */
struct xbpf_map {
	uint32_t magic;                /* MAP_MAGIC while alive */
	uint32_t id;
	atomic_uint refcnt;            /* users + programs + outer maps */
	atomic_uint usercnt;           /* user references (xbpf_map__get/put) */
	const struct map_ops *ops;
	struct map_arena *a;           /* mapping base (page aligned) */
	uint8_t *base;                 /* == (uint8_t *)a */
	size_t map_len;
	int fd;                        /* arena file, -1 when none */
	bool shareable;                /* false: per-process contents, cannot be pinned */
	/* copies of the arena's parameters, for speed */
	uint32_t type, key_size, value_size, max_entries, map_flags, ncpus;
	uint32_t vsize;                /* stored bytes per value (*_OF_MAPS, PROG_ARRAY: 8) */
	uint32_t vstride;              /* round_up(vsize, 8) */
	uint32_t spin_lock_off;
	char name[16];
	/* *_OF_MAPS: the inner template's parameters */
	uint32_t inner_type, inner_key_size, inner_value_size, inner_max_entries, inner_flags;
	/* PROG_ARRAY: ids handed out for user-space lookups */
	uint32_t *prog_ids;
	/* hash maps: immutable layout cached from the arena (set by ops->attach) */
	uint8_t *h_buckets, *h_elems;
	uint32_t h_mask, h_esize, h_seed, h_koff;
	bool prog_update;              /* programs may update: type allows, not RDONLY_PROG */
};

/* Per-type operations. Program-side ops take `cpu`; user-space ops copy whole (all-CPU)
 * values. Unset entries mean the operation is not supported (-EINVAL, as the kernel's
 * syscall answers, or -EOPNOTSUPP where the kernel says so). */
struct map_ops {
	int (*check)(struct map_arena *p);  /* creation checks (may normalise): 0/-errno */
	int (*layout)(struct map_arena *p);               /* fill sizes/offsets: 0/-E2BIG */
	void (*init)(struct xbpf_map *m);                 /* fresh arena: set up */
	void (*attach)(struct xbpf_map *m);  /* every handle (new or opened): cache layout */
	void *(*lookup)(struct xbpf_map *m, const void *key, unsigned cpu);
	long (*update)(struct xbpf_map *m, const void *key, const void *value, uint64_t flags,
		       int cpu);  /* cpu < 0: user space (value holds every CPU slot) */
	long (*delete)(struct xbpf_map *m, const void *key);
	int (*get_next_key)(struct xbpf_map *m, const void *key, void *next);
	int (*lookup_user)(struct xbpf_map *m, const void *key, void *value, uint64_t flags);
	int (*lookup_and_delete)(struct xbpf_map *m, const void *key, void *value);
	long (*push)(struct xbpf_map *m, const void *value, uint64_t flags);
	long (*pop)(struct xbpf_map *m, void *value, bool remove);
	/* for_each_map_elem: calls cb for each element until it returns non-zero; returns the
	 * number of elements visited. */
	long (*for_each)(struct xbpf_map *m, unsigned cpu,
			 long (*cb)(void *key, void *value, void *ctx), void *ctx);
	void (*release)(struct xbpf_map *m);              /* drop references held in slots */
};

MAP_HIDDEN extern const struct map_ops map_array_ops, map_hash_ops, map_lpm_ops,
	map_queue_ops, map_ringbuf_ops, map_perf_ops, map_prog_array_ops,
	map_array_of_maps_ops, map_hash_of_maps_ops, map_bloom_ops;

/* flags the kernel knows that progtype.h does not name */
#define MAP_F_ZERO_SEED (1u << 6)
#define MAP_F_PRESERVE_ELEMS (1u << 11)
#define MAP_F_ACCESS_MASK (XBPF_F_RDONLY | XBPF_F_WRONLY | XBPF_F_RDONLY_PROG | \
			   XBPF_F_WRONLY_PROG)

/* User-space writes allowed: not XBPF_F_RDONLY and not frozen (the syscall's FMODE_CAN_WRITE). */
static inline bool map_user_writable(const struct xbpf_map *m)
{
	return !(m->map_flags & XBPF_F_RDONLY) &&
	       !atomic_load_explicit(&m->a->frozen, memory_order_acquire);
}

/* ---- program-side operations (the helpers' contract) ---------------------------------- */
/* True when p points at a live struct xbpf_map (magic check; p must be readable). */
static inline bool map_valid(const struct xbpf_map *m)
{
	return m && m->magic == MAP_MAGIC;
}
/* Pointer to the value of key (per-CPU: this cpu's slot), NULL when absent. *_OF_MAPS:
 * the inner struct xbpf_map *. PROG_ARRAY, queues, ringbufs: NULL. */
MAP_HIDDEN void *map_lookup(struct xbpf_map *m, const void *key, unsigned cpu);
/* Bytes of value a program may access behind a map_lookup() result. */
static inline uint32_t map_prog_value_size(const struct xbpf_map *m) { return m->value_size; }
/* False for XBPF_F_RDONLY_PROG maps. */
static inline bool map_prog_writable(const struct xbpf_map *m)
{
	return !(m->map_flags & XBPF_F_RDONLY_PROG);
}
/* bpf_map_update_elem from a program (per-CPU: sets this cpu's slot, zeroes the others for
 * a new element). 0 / -ENOENT / -EEXIST / -E2BIG / -EINVAL. Inline: the hot path. */
static inline long map_update(struct xbpf_map *m, const void *key, const void *value,
			      uint64_t flags, unsigned cpu)
{
	if (__builtin_expect((flags & ~(uint64_t)XBPF_F_LOCK) > XBPF_EXIST ||
			     ((flags & XBPF_F_LOCK) && m->spin_lock_off == UINT32_MAX) ||
			     !m->prog_update, 0))
		return -EINVAL;
	return m->ops->update(m, key, value, flags,
			      (int)(cpu < m->ncpus ? cpu : cpu % m->ncpus));
}
MAP_HIDDEN long map_delete(struct xbpf_map *m, const void *key);
/* QUEUE/STACK (flags: XBPF_ANY or XBPF_EXIST to overwrite when full). */
MAP_HIDDEN long map_push(struct xbpf_map *m, const void *value, uint64_t flags);
MAP_HIDDEN long map_pop(struct xbpf_map *m, void *value);
MAP_HIDDEN long map_peek(struct xbpf_map *m, void *value);
MAP_HIDDEN int map_get_next_key(struct xbpf_map *m, const void *key, void *next);
/* PROG_ARRAY slot (no reference taken; valid while the run lasts), NULL when empty or
 * out of range. */
MAP_HIDDEN struct xbpf_prog *map_prog_array_get(struct xbpf_map *m, uint32_t idx);
/* for_each_map_elem: cb(key, value, ctx) per element (per-CPU: this cpu's slot) until it
 * returns non-zero. Returns the number of elements visited, or -EINVAL for map types the
 * kernel does not iterate. */
MAP_HIDDEN long map_for_each(struct xbpf_map *m, unsigned cpu,
			     long (*cb)(void *key, void *value, void *ctx), void *ctx);

/* Ring buffer. reserve: NULL when full, size too big or flags != 0. submit/discard take
 * the sample pointer reserve returned (flags: MAP_RB_NO_WAKEUP / MAP_RB_FORCE_WAKEUP). */
MAP_HIDDEN void *map_ringbuf_reserve(struct xbpf_map *m, uint64_t size, uint64_t flags);
MAP_HIDDEN void map_ringbuf_commit(void *sample, uint64_t flags, bool discard);
/* True when p is a sample reserve handed out and not yet committed (for helper checks). */
MAP_HIDDEN bool map_ringbuf_sample_ok(const void *sample);
MAP_HIDDEN long map_ringbuf_output(struct xbpf_map *m, const void *data, uint64_t size,
				   uint64_t flags);
MAP_HIDDEN uint64_t map_ringbuf_query(struct xbpf_map *m, uint64_t flags);
/* perf_event_output: flags & MAP_F_INDEX_MASK = slot (MAP_F_CURRENT_CPU: cpu). 0, -E2BIG
 * (index past max_entries), -ENOENT (no consumer on the slot), -EINVAL (other flag bits),
 * -ENOSPC when the slot's buffer is full (the record is counted as lost). */
MAP_HIDDEN long map_perf_event_output(struct xbpf_map *m, uint64_t flags, unsigned cpu,
				      const void *data, uint64_t size);

/* ---- shared by the map_*.c files ---------------------------------------------------- */
static inline uint32_t map_round8(uint32_t x) { return (x + 7u) & ~7u; }
static inline uint64_t map_round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }
static inline bool map_is_percpu(uint32_t t)
{
	return t == XBPF_MAP_TYPE_PERCPU_ARRAY || t == XBPF_MAP_TYPE_PERCPU_HASH ||
	       t == XBPF_MAP_TYPE_LRU_PERCPU_HASH || t == XBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}
static inline bool map_is_lru(uint32_t t)
{
	return t == XBPF_MAP_TYPE_LRU_HASH || t == XBPF_MAP_TYPE_LRU_PERCPU_HASH;
}
/* Copy a value into storage honouring a struct bpf_spin_lock (the lock word is kept). */
MAP_HIDDEN void map_copy_value(const struct xbpf_map *m, void *dst, const void *src);
/* Write an element's stored value(s) (per-CPU: ncpus slots of vstride bytes): cpu >= 0
 * writes that CPU's slot (zeroing the others when `fresh`, a new element), cpu < 0 every
 * slot from a user buffer. A single value is written under its bpf_spin_lock with
 * XBPF_F_LOCK, except a fresh one, whose lock word is zeroed instead. */
MAP_HIDDEN void map_write_value(const struct xbpf_map *m, uint8_t *stored, const void *value,
				uint64_t flags, int cpu, bool fresh);
/* Copy an element's stored value(s) to a user buffer: per-CPU every CPU's slot, each
 * padded with zeroes to vstride; else one value, read under its bpf_spin_lock with
 * XBPF_F_LOCK. The lock word reads as zero. */
MAP_HIDDEN void map_read_value(const struct xbpf_map *m, void *dst, uint8_t *stored,
			       uint64_t flags);
/* Lock/unlock the bpf_spin_lock inside a value (XBPF_F_LOCK). */
MAP_HIDDEN void map_value_lock(const struct xbpf_map *m, void *value);
MAP_HIDDEN void map_value_unlock(const struct xbpf_map *m, void *value);
/* 32-bit hash of len bytes. */
MAP_HIDDEN uint32_t map_hash_bytes(const void *p, uint32_t len, uint32_t seed);
/* Process-local registry of map ids. */
MAP_HIDDEN struct xbpf_map *map_by_id(uint32_t id);
/* True when p is the address of a live map of this process (registry scan). */
MAP_HIDDEN bool map_is_live(const void *p);
/* Does `inner` match m's inner template? */
MAP_HIDDEN bool map_inner_ok(const struct xbpf_map *m, const struct xbpf_map *inner);
/* The inner map a *_OF_MAPS update names (value = its u32 id), with a reference taken:
 * 0, -EBADF (no such map), -EINVAL (does not match the template). */
MAP_HIDDEN int map_inner_get(const struct xbpf_map *m, const void *value,
			     struct xbpf_map **in);

#endif /* XBPF_MAP_INTERNAL_H */
