/* arraymap.c - benchmark: an array-map counter. For each of the first 64 input bytes, look
 * the byte up in a 256-entry BPF_MAP_TYPE_ARRAY and increment its counter: 64 lookups
 * (which the kernel's JIT inlines) and read-modify-writes of map values per run. */
#include "bench_maps.h"

#define COUNTER_N 64

BENCH_ARRAY_MAP(arraymap_counters, 256)

static __always_inline uint64_t arraymap_body(const uint8_t *data, const uint8_t *end)
{
	if (data + COUNTER_N > end)
		return 0;
	uint64_t sum = 0;
	BENCH_NOUNROLL
	for (uint32_t i = 0; i < COUNTER_N; i++) {
		uint32_t key = data[i];
		uint64_t *v = bench_lookup(arraymap_counters, &key);
		if (!v)
			continue;
		*v += 1;
		sum += key;
	}
	return sum;
}

BENCH_PROG(arraymap)
