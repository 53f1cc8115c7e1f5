/* sort.c - benchmark: insertion sort of 32 32-bit values (the first 128 input bytes) in a
 * stack array, then a hash of the sorted array. Stack loads/stores and data-dependent
 * branches. */
#include "bench_prog.h"

#define SORT_N 32

static __always_inline uint64_t sort_body(const uint8_t *data, const uint8_t *end)
{
	uint32_t a[SORT_N];
	if (data + 4 * SORT_N > end)
		return 0;
	for (int i = 0; i < SORT_N; i++)
		a[i] = bench_load32(data + 4 * i);
	for (int i = 1; i < SORT_N; i++) {
		uint32_t v = a[i];
		int j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
	uint64_t h = 0;
	for (int i = 0; i < SORT_N; i++)
		h = h * 31 + a[i];
	return h;
}

BENCH_PROG(sort)
