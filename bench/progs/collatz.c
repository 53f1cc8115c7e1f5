/* collatz.c - benchmark: total length of the Collatz sequences of 16 consecutive numbers
 * starting from a 16-bit seed in the input (each capped at 512 steps so that the kernel's
 * verifier sees a bounded loop; the longest here is about 340). Branchy ALU work. */
#include "bench_prog.h"

#define COLLATZ_STARTS 16
#define COLLATZ_MAX_STEPS 512

static __always_inline uint64_t collatz_body(const uint8_t *data, const uint8_t *end)
{
	if (data + 4 > end)
		return 0;
	uint64_t seed = bench_load32(data) & 0xffff, total = 0;
	for (uint32_t k = 0; k < COLLATZ_STARTS; k++) {
		uint64_t n = seed + k + 1;
		uint32_t steps = 0;
		while (n != 1 && steps < COLLATZ_MAX_STEPS) {
			n = (n & 1) ? 3 * n + 1 : n >> 1;
			steps++;
		}
		total += steps;
	}
	return total;
}

BENCH_PROG(collatz)
