/* test_vm_alloc.c - allocation failures injected into the VM core: every malloc, calloc,
 * realloc and strdup the library makes while creating a VM, registering a helper, loading
 * (validation, map references, pseudo lddw resolution) and running a program fails in turn.
 * Each must end in a clean error (NULL + ENOMEM, or -ENOMEM) and, under ASan, leak nothing.
 *
 * The test binary is linked with -Wl,--wrap=malloc,... (tests/core.cmake), so only the
 * library's calls (and this file's) go through the wrappers below.
 */
#include <errno.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "xbpf/map.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static long fail_at = -1; /* index of the allocation to fail; -1: none */
static long alloc_count;

static bool should_fail(void)
{
	return fail_at >= 0 && alloc_count++ == fail_at;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return should_fail() ? NULL : __real_strdup(s); }

static uint64_t h_call(uint64_t fn, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	uint64_t r = 0;
	return xbpf_run_ctx__call(rc, fn, 1, 2, 0, 0, 0, &r) ? 0 : r;
}

/* lddw of a map and of its value, a callback, a local call, a helper */
static const struct xbpf_insn prog[] = {
	{0x18, 1, 5, 0, 0}, {0, 0, 0, 0, 0},        /* 0: lddw r1, map_idx(0) */
	{0x18, 2, 6, 0, 0}, {0, 0, 0, 0, 8},        /* 2: lddw r2, map_idx_value(0, 8) */
	{0x7a, 2, 0, 0, 40},                         /* 4: stdw [r2], 40 */
	{0x18, 1, 4, 0, 6}, {0, 0, 0, 0, 0},        /* 5: lddw r1, func(12) */
	{0x85, 0, 0, 0, 20},                         /* 7: call 20 (h_call) -> 3 */
	{0x79, 3, 2, 0, 0},                          /* 8: ldxdw r3, [r2] */
	{0x0f, 0, 3, 0, 0},                          /* 9: r0 += r3 */
	{0x95, 0, 0, 0, 0},                          /* 10: exit */
	{0x95, 0, 0, 0, 0},                          /* 11: (unreachable) exit */
	{0xbf, 0, 1, 0, 0},                          /* 12: callback: r0 = r1 */
	{0x0f, 0, 2, 0, 0},                          /* 13: r0 += r2 */
	{0x95, 0, 0, 0, 0},                          /* 14: exit */
};

/* One attempt with allocation number `n` failing; returns true when nothing failed. */
static bool attempt(long n, struct xbpf_map *map)
{
	fail_at = n;
	alloc_count = 0;
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	if (!vm) {
		T_EQ(errno, ENOMEM);
		fail_at = -1;
		return false;
	}
	int err = xbpf_vm__register_helper(vm, 20, "call", h_call, NULL);
	bool ok = false;
	if (err) {
		T_EQ(err, -ENOMEM);
	} else {
		char log[256] = "";
		struct xbpf_map *maps[] = {map};
		struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log,
						 .log_size = sizeof log, .maps = maps, .map_cnt = 1};
		struct xbpf_prog *p = xbpf_prog__load(vm, prog, sizeof prog / sizeof prog[0], &lo);
		if (!p) {
			T_EQ(errno, ENOMEM);
			T_CONTAINS(log, "out of memory");
			if (errno != ENOMEM)
				fprintf(stderr, "allocation %ld: %s\n", n, log);
		} else {
			uint64_t r0 = 0;
			T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
			T_EQ(r0, 3 + 40);
			xbpf_prog__free(p);
			ok = alloc_count <= n; /* the failure point was never reached */
		}
	}
	xbpf_vm__free(vm);
	fail_at = -1;
	return ok;
}

static void test_every_allocation_fails_cleanly(void)
{
	struct xbpf_map *map = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 16, 1, NULL);
	T_CHECK(map != NULL);
	if (!map)
		return;
	long n = 0;
	while (!attempt(n, map) && n < 1000)
		n++;
	printf("%ld allocations failed in turn\n", n);
	T_CHECK(n > 3);     /* vm, helper name, prog, insns, ... were each failed once */
	T_CHECK(n < 1000);  /* and the program eventually loaded with no failure left */
	xbpf_map__put(map);
}

T_MAIN(test_every_allocation_fails_cleanly)
