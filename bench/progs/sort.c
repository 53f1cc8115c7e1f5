/* sort.c - benchmark: odd-even transposition sort of 32 values (32-bit, the first 128 input
 * bytes) in a stack array, then a hash of the sorted array. Stack loads/stores and
 * data-dependent branches. (An insertion sort's data-dependent inner loop makes the
 * kernel's verifier give up: E2BIG after 1M instructions; here every loop has fixed
 * bounds.) */
#include "bench_prog.h"

#define SORT_N 32

static __always_inline uint64_t sort_body(const uint8_t *data, const uint8_t *end)
{
	uint64_t a[SORT_N]; /* 64-bit slots: the kernel verifier prunes full spills best */
	if (data + 4 * SORT_N > end)
		return 0;
	for (int i = 0; i < SORT_N; i++)
		a[i] = bench_load32(data + 4 * i);
	for (int pass = 0; pass < SORT_N; pass++)
		for (int j = pass & 1; j < SORT_N - 1; j += 2) {
			uint64_t x = a[j], y = a[j + 1];
			if (x > y) {
				a[j] = y;
				a[j + 1] = x;
			}
		}
	uint64_t h = 0;
	for (int i = 0; i < SORT_N; i++)
		h = h * 31 + a[i];
	return h;
}

BENCH_PROG(sort)
