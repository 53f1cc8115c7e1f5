/* hashmix.c - benchmark: a 64-bit hash-mix loop (xor-shift, multiply, add) of 1024 rounds,
 * seeded from the first 8 input bytes. Mostly ALU work with a loop back-edge. */
#include "bench_prog.h"

#define HASHMIX_ROUNDS 1024

static __always_inline uint64_t hashmix_body(const uint8_t *data, const uint8_t *end)
{
	if (data + 8 > end)
		return 0;
	uint64_t h = (uint64_t)bench_load32(data) << 32 | bench_load32(data + 4);
	for (uint32_t i = 0; i < HASHMIX_ROUNDS; i++) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
		h += i;
	}
	return h;
}

BENCH_PROG(hashmix)
