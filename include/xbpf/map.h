/* xbpf/map.h - kernel-compatible BPF maps: creation, the user-space element API (the
 * semantics of the bpf() syscall's BPF_MAP_* commands), batch operations, pinning to a
 * path shared with other processes, and the consumers of ring buffers and perf buffers.
 *
 * Conventions (libbpf's): int results are 0 or -errno; pointer results are NULL with errno
 * set; optional arguments in *_opts structs whose first member is `sz`.
 *
 * Storage: every map lives in a file-backed MAP_SHARED arena (offset-based links,
 * process-shared locks), so a second process that opens a pin sees the same live map.
 * Exceptions, whose contents are per process: PROG_ARRAY (slots hold programs) and
 * ARRAY_OF_MAPS / HASH_OF_MAPS (slots hold maps); pinning them fails with -EOPNOTSUPP.
 *
 * Per-CPU maps: from user space a value is round_up(value_size, 8) * xbpf_map__num_cpus()
 * bytes, one slot per CPU, as the kernel's syscall does; programs see the slot of their run's
 * cpu (struct xbpf_run_opts.cpu, modulo the map's CPU count).
 *
 * Map types the kernel has but xbpf cannot give a meaning to in user space (DEVMAP,
 * CPUMAP, XSKMAP, SOCKMAP, CGROUP_ARRAY, REUSEPORT_SOCKARRAY -> plain arrays; DEVMAP_HASH,
 * SOCKHASH, STACK_TRACE, *_STORAGE -> plain hashes) are created as generic storage of the
 * given sizes so objects that declare them still load; their helpers are not provided.
 */
#ifndef XBPF_MAP_H
#define XBPF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vm.h"
#include "progtype.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xbpf_map;

/* ---- CPUs ------------------------------------------------------------------------ */
/* The number of CPU slots new per-CPU maps get: by default the number of online CPUs
 * (capped at XBPF_MAX_CPUS). */
XBPF_API unsigned xbpf_num_cpus(void);
/* Change it for maps created afterwards (1..XBPF_MAX_CPUS). Returns 0 or -EINVAL. */
XBPF_API int xbpf_set_num_cpus(unsigned n);

/* ---- creation and lifetime ------------------------------------------------------------- */
struct xbpf_map_create_opts {
	size_t sz;
	const char *name;               /* up to 15 characters kept (kernel: BPF_OBJ_NAME_LEN) */
	uint32_t map_flags;             /* XBPF_F_* */
	/* *_OF_MAPS: the template every inner map must match (type, sizes, flags). */
	const struct xbpf_map *inner_map;
	uint32_t numa_node;             /* accepted, ignored (needs XBPF_F_NUMA_NODE) */
	uint64_t map_extra;             /* BLOOM_FILTER: number of hash functions (unused) */
	/* PERF_EVENT_ARRAY: bytes of buffer per slot (power of 2, >= 4096; 0 = 64 KiB). */
	uint32_t perf_buf_size;
	/* The value holds a struct bpf_spin_lock at spin_lock_off (from BTF): enables
	 * XBPF_F_LOCK in update/lookup. */
	bool has_spin_lock;
	uint32_t spin_lock_off;
};

/* Create a map with the kernel's checks: EINVAL for a zero/wrong key or value size for the
 * type, bad or unsupported flags (e.g. LPM_TRIE without XBPF_F_NO_PREALLOC, a RINGBUF size
 * that is not a power-of-two multiple of the page size), E2BIG for sizes past the kernel's
 * limits, ENOMEM. Returns NULL and sets errno on failure. The caller owns one reference. */
XBPF_API struct xbpf_map *xbpf_map__create(enum xbpf_map_type type, uint32_t key_size,
					   uint32_t value_size, uint32_t max_entries,
					   const struct xbpf_map_create_opts *opts);
/* Take / drop a user reference. The map is freed when the last reference (user or
 * program) goes; when the last USER reference goes, a PROG_ARRAY is emptied (as the
 * kernel does when its last fd closes), which breaks prog <-> prog-array cycles. */
XBPF_API struct xbpf_map *xbpf_map__get(struct xbpf_map *map);
XBPF_API void xbpf_map__put(struct xbpf_map *map);

/* ---- accessors ------------------------------------------------------------------------ */
XBPF_API enum xbpf_map_type xbpf_map__type(const struct xbpf_map *map);
XBPF_API const char *xbpf_map__name(const struct xbpf_map *map);
XBPF_API uint32_t xbpf_map__key_size(const struct xbpf_map *map);
XBPF_API uint32_t xbpf_map__value_size(const struct xbpf_map *map);
XBPF_API uint32_t xbpf_map__max_entries(const struct xbpf_map *map);
XBPF_API uint32_t xbpf_map__map_flags(const struct xbpf_map *map);
/* A process-unique id (> 0). In *_OF_MAPS, user-space values are inner map ids (the
 * kernel's syscall takes an fd on update and gives an id on lookup). */
XBPF_API uint32_t xbpf_map__id(const struct xbpf_map *map);
/* The map with this id in this process, or NULL (no reference taken). */
XBPF_API struct xbpf_map *xbpf_map__from_id(uint32_t id);
/* CPU slots of a per-CPU map (1 for other maps). */
XBPF_API unsigned xbpf_map__num_cpus(const struct xbpf_map *map);
/* Bytes of one value as user space passes it: value_size, or for per-CPU maps
 * round_up(value_size, 8) * num_cpus. */
XBPF_API size_t xbpf_map__user_value_size(const struct xbpf_map *map);
/* Human-readable type name ("hash", "lru_percpu_hash", ...) or NULL. */
XBPF_API const char *xbpf_map_type__name(enum xbpf_map_type type);
/* The type called `name` (bpftool's names), or -ENOENT. */
XBPF_API int xbpf_map_type__from_name(const char *name);
/* Global-data maps: address of the value of key 0 of an ARRAY with one entry (NULL and
 * errno EINVAL for other maps, EPERM when the map is frozen or XBPF_F_RDONLY: use
 * xbpf_map__value_base_ro() to read those, as a read-only mmap() of them). */
XBPF_API void *xbpf_map__value_base(struct xbpf_map *map);
XBPF_API const void *xbpf_map__value_base_ro(const struct xbpf_map *map);
/* BPF_MAP_FREEZE: user space can no longer change the map (update, delete and
 * lookup_and_delete answer -EPERM); programs still can unless XBPF_F_RDONLY_PROG. The
 * loader freezes .rodata and .kconfig maps after filling them, as libbpf does, so the
 * verifier may take their contents as constants. 0, or -EPERM when already frozen or
 * XBPF_F_RDONLY (the kernel's answers). */
XBPF_API int xbpf_map__freeze(struct xbpf_map *map);
XBPF_API bool xbpf_map__is_frozen(const struct xbpf_map *map);

/* ---- elements (user space; the bpf() syscall's semantics) ---------------------------- */
/* Copy the value of `key` to `value`. -ENOENT when absent. QUEUE/STACK: key NULL, peek. */
XBPF_API int xbpf_map__lookup_elem(const struct xbpf_map *map, const void *key, void *value);
/* As above with flags = XBPF_F_LOCK: copy under the value's struct bpf_spin_lock. */
XBPF_API int xbpf_map__lookup_elem_flags(const struct xbpf_map *map, const void *key,
					 void *value, uint64_t flags);
/* flags: XBPF_ANY, XBPF_NOEXIST (-EEXIST when present), XBPF_EXIST (-ENOENT when absent),
 * | XBPF_F_LOCK. Arrays: -E2BIG for an index past max_entries, -EEXIST for NOEXIST. Full
 * hash: -E2BIG (LRU maps evict instead). QUEUE/STACK: key NULL, push; XBPF_EXIST
 * overwrites the oldest element when full. */
XBPF_API int xbpf_map__update_elem(struct xbpf_map *map, const void *key, const void *value,
				   uint64_t flags);
/* -ENOENT when absent; -EINVAL for arrays (elements cannot be deleted). */
XBPF_API int xbpf_map__delete_elem(struct xbpf_map *map, const void *key);
/* key NULL or not present: the first key; otherwise the key after it; -ENOENT after the
 * last. Arrays: index order. */
XBPF_API int xbpf_map__get_next_key(const struct xbpf_map *map, const void *key,
				    void *next_key);
/* Hash maps: copy then delete; QUEUE/STACK: pop (key NULL). */
XBPF_API int xbpf_map__lookup_and_delete_elem(struct xbpf_map *map, const void *key,
					      void *value);

/* ---- batch operations (BPF_MAP_*_BATCH) ------------------------------------------------ */
struct xbpf_map_batch_opts {
	size_t sz;
	uint64_t elem_flags;   /* per-element flags (update: XBPF_ANY..., lookup: XBPF_F_LOCK) */
	uint64_t flags;        /* must be 0 */
};
/* Lookup up to *count elements starting after the position in `in_batch` (NULL: the
 * start); keys/values are packed arrays. On return *count holds how many were copied and
 * `out_batch` (key_size bytes for hashes, 4 for arrays) the position to continue from.
 * Returns -ENOENT (with *count possibly > 0) when the end was reached. */
XBPF_API int xbpf_map__lookup_batch(const struct xbpf_map *map, void *in_batch,
				    void *out_batch, void *keys, void *values, uint32_t *count,
				    const struct xbpf_map_batch_opts *opts);
XBPF_API int xbpf_map__lookup_and_delete_batch(struct xbpf_map *map, void *in_batch,
					       void *out_batch, void *keys, void *values,
					       uint32_t *count,
					       const struct xbpf_map_batch_opts *opts);
/* Update/delete *count elements; on error *count says how many were done. */
XBPF_API int xbpf_map__update_batch(struct xbpf_map *map, const void *keys,
				    const void *values, uint32_t *count,
				    const struct xbpf_map_batch_opts *opts);
XBPF_API int xbpf_map__delete_batch(struct xbpf_map *map, const void *keys, uint32_t *count,
				    const struct xbpf_map_batch_opts *opts);

/* ---- programs and maps in slots ---------------------------------------------------------- */
/* PROG_ARRAY: put `prog` (NULL: clear) in slot idx; the array takes a reference on the
 * program. -E2BIG for idx past max_entries, -EINVAL for a wrong map type. This is the way
 * to fill a program array (update_elem on one is -EINVAL: there are no program fds);
 * lookup_elem gives a per-slot id, delete_elem clears a slot. */
XBPF_API int xbpf_map__set_prog(struct xbpf_map *map, uint32_t idx, struct xbpf_prog *prog);
/* ARRAY_OF_MAPS / HASH_OF_MAPS: set key -> inner (NULL: delete); the outer map takes a
 * reference. -EINVAL when `inner` does not match the template. Same as update_elem with
 * the inner map's id as the value. */
XBPF_API int xbpf_map__set_inner_map(struct xbpf_map *map, const void *key,
				     struct xbpf_map *inner);

/* ---- pinning ------------------------------------------------------------------------- */
/* Make the map reachable at `path` (a file; its directory must exist). The arena file is
 * hard-linked there when on the same file system as the arena directory ($XBPF_SHM_DIR,
 * default /dev/shm), else `path` is a small file naming an arena in that directory.
 * -EEXIST when path exists, -EOPNOTSUPP for per-process map types. */
XBPF_API int xbpf_map__pin(struct xbpf_map *map, const char *path);
/* Remove the pin (and the arena file it names). */
XBPF_API int xbpf_map__unpin(struct xbpf_map *map, const char *path);
/* Open a pinned map, possibly created by another process: the same live storage. The
 * caller owns one reference. NULL + errno (ENOENT, EINVAL for a file that is not a map). */
XBPF_API struct xbpf_map *xbpf_map__open_pinned(const char *path);

/* ---- ring buffer consumer (BPF_MAP_TYPE_RINGBUF, the kernel's protocol) ----------------- */
struct xbpf_ring_buffer;
/* Return 0 to continue, < 0 to stop polling with that error. */
typedef int (*xbpf_ring_buffer_sample_fn)(void *ctx, void *data, size_t size);
struct xbpf_ring_buffer_opts { size_t sz; };
XBPF_API struct xbpf_ring_buffer *xbpf_ring_buffer__new(struct xbpf_map *map,
						       xbpf_ring_buffer_sample_fn sample_cb,
						       void *ctx,
						       const struct xbpf_ring_buffer_opts *opts);
/* Consume every committed record; wait up to timeout_ms (< 0: forever) for the first one.
 * Returns the number of records consumed, or the callback's negative result. */
XBPF_API int xbpf_ring_buffer__poll(struct xbpf_ring_buffer *rb, int timeout_ms);
/* Consume what is there without waiting. */
XBPF_API int xbpf_ring_buffer__consume(struct xbpf_ring_buffer *rb);
/* Bytes produced but not yet consumed. */
XBPF_API uint64_t xbpf_ring_buffer__avail(const struct xbpf_ring_buffer *rb);
XBPF_API void xbpf_ring_buffer__free(struct xbpf_ring_buffer *rb);

/* ---- perf buffer consumer (BPF_MAP_TYPE_PERF_EVENT_ARRAY) ------------------------------- */
/* bpf_perf_event_output() in a program fails with -ENOENT on a slot no consumer opened (as
 * in the kernel without a perf event fd); creating a perf buffer opens every slot. */
struct xbpf_perf_buffer;
typedef void (*xbpf_perf_buffer_sample_fn)(void *ctx, int cpu, void *data, uint32_t size);
typedef void (*xbpf_perf_buffer_lost_fn)(void *ctx, int cpu, uint64_t cnt);
struct xbpf_perf_buffer_opts { size_t sz; };
XBPF_API struct xbpf_perf_buffer *xbpf_perf_buffer__new(struct xbpf_map *map,
						       xbpf_perf_buffer_sample_fn sample_cb,
						       xbpf_perf_buffer_lost_fn lost_cb,
						       void *ctx,
						       const struct xbpf_perf_buffer_opts *opts);
/* Returns the number of records (samples + lost notices) handled; waits up to timeout_ms. */
XBPF_API int xbpf_perf_buffer__poll(struct xbpf_perf_buffer *pb, int timeout_ms);
XBPF_API int xbpf_perf_buffer__consume(struct xbpf_perf_buffer *pb);
XBPF_API void xbpf_perf_buffer__free(struct xbpf_perf_buffer *pb);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_MAP_H */
