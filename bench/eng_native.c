/* eng_native.c - benchmark engine: the program's C body compiled natively with -O2. */
#include <stdlib.h>
#include "bench.h"

static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	*state = (void *)p;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	const struct bench_prog *p = state;
	uint64_t (*volatile fn)(const uint8_t *) = p->native; /* opaque: no hoisting */
	uint64_t t0 = bench_now_ns(), r = 0;
	for (unsigned i = 0; i < reps; i++)
		r = fn(mem);
	*ret = r;
	return (double)(bench_now_ns() - t0) / reps;
}

static void teardown(void *state) { (void)state; }

const struct bench_engine bench_eng_native = {"native", setup, measure, teardown, 64};
