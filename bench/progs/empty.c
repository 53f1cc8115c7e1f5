/* empty.c - benchmark: a program that returns 0 at once; its time is the engine's
 * invocation overhead. */
#include "bench_prog.h"

static __always_inline uint64_t empty_body(const uint8_t *data, const uint8_t *end)
{
	(void)data;
	(void)end;
	return 0;
}

BENCH_PROG(empty)
