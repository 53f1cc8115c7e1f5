/* hashmap.c - benchmark: a hash-map counter. For each of the first 64 input bytes, look the
 * byte up in a 256-entry BPF_MAP_TYPE_HASH and increment its counter, inserting it at 1
 * when absent (the first run only: afterwards every key is present): 64 hash lookups and
 * read-modify-writes of map values per run. */
#include "bench_maps.h"

#define COUNTER_N 64

BENCH_HASH_MAP(hashmap_counters, 256)

static __always_inline uint64_t hashmap_body(const uint8_t *data, const uint8_t *end)
{
	if (data + COUNTER_N > end)
		return 0;
	uint64_t sum = 0;
	BENCH_NOUNROLL
	for (uint32_t i = 0; i < COUNTER_N; i++) {
		uint32_t key = data[i];
		uint64_t *v = bench_lookup(hashmap_counters, &key);
		if (v) {
			*v += 1;
		} else {
			uint64_t one = 1;
			bench_insert(hashmap_counters, &key, &one);
		}
		sum += key;
	}
	return sum;
}

BENCH_PROG(hashmap)
