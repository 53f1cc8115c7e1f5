/* collatz.c - benchmark: a hash of the lengths of the Collatz sequences of 8 consecutive
 * numbers starting at a 17-bit number from the input (65536..131071: each between about 20
 * and 380 steps), each capped at 1000 steps so that the kernel's verifier sees bounded
 * loops. The odd/even step is computed without a branch: with a branch the verifier tracks
 * n's range down each path, can predict `n != 1`, marks n precise and then never prunes
 * (it gave up after 1M instructions). The empty asm keeps clang from turning it back into
 * a branch. Loop-heavy ALU work with a data-dependent trip count. */
#include "bench_prog.h"

#define COLLATZ_STARTS 8
#define COLLATZ_MAX_STEPS 1000

static __always_inline uint64_t collatz_body(const uint8_t *data, const uint8_t *end)
{
	if (data + 4 > end)
		return 0;
	uint64_t seed = (bench_load32(data) & 0xffff) | 0x10000, total = 0;
	for (uint32_t k = 0; k < COLLATZ_STARTS; k++) {
		uint64_t n = seed + k;
		uint32_t steps = 0;
		while (n != 1 && steps < COLLATZ_MAX_STEPS) {
			uint64_t odd = 0 - (n & 1); /* all ones when n is odd */
			__asm__ volatile("" : "+r"(odd));
			n = (n >> 1) ^ (odd & ((3 * n + 1) ^ (n >> 1)));
			steps++;
		}
		total = total * 31 + steps;
	}
	return total;
}

BENCH_PROG(collatz)
