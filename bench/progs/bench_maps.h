/* bench_maps.h - maps for the map-counter benchmark programs, written once for both builds:
 * under clang -target bpf a BTF-defined map in ".maps" and the kernel's helpers; natively a
 * small table with the same lookup/insert semantics (keys below the map size), so native
 * code computes the same r0 and gives a speed reference.
 *   BENCH_ARRAY_MAP(name, n) / BENCH_HASH_MAP(name, n): u32 key -> u64 value, n entries
 *   bench_lookup(name, &key) -> uint64_t * or NULL; bench_insert(name, &key, &val) (NOEXIST)
 *   BENCH_NOUNROLL before a loop keeps it a loop (clang).
 */
#ifndef BENCH_MAPS_H
#define BENCH_MAPS_H
#include "bench_prog.h"

#ifdef __clang__
#define BENCH_NOUNROLL _Pragma("clang loop unroll(disable)")
#else
#define BENCH_NOUNROLL
#endif

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#define BENCH_MAP(name, kind, n)                                                      \
	struct {                                                                      \
		__uint(type, kind);                                                   \
		__uint(max_entries, n);                                               \
		__type(key, uint32_t);                                                \
		__type(value, uint64_t);                                              \
	} name SEC(".maps");
#define BENCH_ARRAY_MAP(name, n) BENCH_MAP(name, BPF_MAP_TYPE_ARRAY, n)
#define BENCH_HASH_MAP(name, n) BENCH_MAP(name, BPF_MAP_TYPE_HASH, n)
#define bench_lookup(name, key) ((uint64_t *)bpf_map_lookup_elem(&name, key))
#define bench_insert(name, key, val) bpf_map_update_elem(&name, key, val, BPF_NOEXIST)
#else
struct bench_native_map {
	uint32_t n;
	uint8_t hash;        /* hash semantics: absent until inserted */
	uint8_t used[256];
	uint64_t val[256];
};
#define BENCH_ARRAY_MAP(name, n) static struct bench_native_map name = {n, 0, {0}, {0}};
#define BENCH_HASH_MAP(name, n) static struct bench_native_map name = {n, 1, {0}, {0}};
static inline uint64_t *bench_native_lookup(struct bench_native_map *m, const uint32_t *key)
{
	if (*key >= m->n || *key >= 256 || (m->hash && !m->used[*key]))
		return 0;
	return &m->val[*key];
}
static inline int bench_native_insert(struct bench_native_map *m, const uint32_t *key,
				      const uint64_t *val)
{
	if (*key >= m->n || *key >= 256 || m->used[*key])
		return -1;
	m->used[*key] = 1;
	m->val[*key] = *val;
	return 0;
}
#define bench_lookup(name, key) bench_native_lookup(&name, key)
#define bench_insert(name, key, val) bench_native_insert(&name, key, val)
#endif
#endif
