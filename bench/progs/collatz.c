/* collatz.c - benchmark: the length of the Collatz sequence of a 17-bit number taken from
 * the input (65536..131071: between about 20 and 380 steps), capped at 1000 steps so that
 * the kernel's verifier sees a bounded loop. Branchy ALU work.
 * One sequence only: after a loop whose exit step is data-dependent, the kernel's verifier
 * re-explores whatever follows once per possible exit step; with several sequences in a row
 * it gave up (1M instructions) - our own verifier will face the same shape. */
#include "bench_prog.h"

#define COLLATZ_MAX_STEPS 1000

static __always_inline uint64_t collatz_body(const uint8_t *data, const uint8_t *end)
{
	if (data + 4 > end)
		return 0;
	uint64_t n = (bench_load32(data) & 0xffff) | 0x10000;
	uint32_t steps = 0;
	while (n != 1 && steps < COLLATZ_MAX_STEPS) {
		n = (n & 1) ? 3 * n + 1 : n >> 1;
		steps++;
	}
	return steps;
}

BENCH_PROG(collatz)
