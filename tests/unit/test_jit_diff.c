/* test_jit_diff.c - deterministic differential test of the JIT against the interpreter.
 *
 * Thousands of seeded random valid programs (jit_gen.h: every operation kind, memory on
 * the buffer and the stack, forward jumps, bounded loops, local calls, helper calls,
 * atomics, division by zero, LD_ABS/LD_IND, map lookups/updates/deletes and direct value
 * access, some deliberate faults) run on both engines: r0, the error code and message, the
 * memory and the maps' contents must be identical. Each program runs with runtime checks,
 * and (when it has no deliberate faults) also unchecked and with constant blinding, with
 * and without an instruction budget. Zero mismatches expected.
 *
 *   test_jit_diff [COUNT [FIRST_SEED]]     (default 3000 programs from seed 1)
 */
#include <stdlib.h>
#include "t.h"
#include "jit_gen.h"

static unsigned count = 3000;
static uint64_t first = 1;
static struct gen g;
static struct gen_maps maps;

static void check(struct xbpf_vm *vm, uint64_t seed, uint32_t flags, uint64_t budget,
		  unsigned *runs)
{
	char why[1024];
	int r = gen_diff(vm, &maps, g.insn, g.n, flags, budget, seed, why, sizeof why);
	if (r < 0) {
		fprintf(stderr, "seed %llu flags %#x: did not load: %s\n",
			(unsigned long long)seed, flags, why);
		T_CHECK(!"generated program did not load");
	} else if (r > 0) {
		fprintf(stderr, "seed %llu flags %#x budget %llu: MISMATCH %s\n",
			(unsigned long long)seed, flags, (unsigned long long)budget, why);
		T_CHECK(!"interpreter and JIT differ");
	}
	(*runs)++;
}

static void test_random_programs(void)
{
	struct xbpf_vm *vm = gen_vm(true);
	T_CHECK(vm);
	if (!vm)
		return;
	unsigned runs = 0, failed_before = (unsigned)t_failed_checks;
	for (uint64_t seed = first; seed < first + count; seed++) {
		bool faults = seed % 3 == 0;
		gen_program(&g, seed, faults, true);
		uint64_t budget = seed % 4 == 0 ? 1 + seed % 97 : 0;
		check(vm, seed, 0, budget, &runs);
		if (!faults) {
			check(vm, seed, XBPF_PROG_F_NO_CHECKS, 0, &runs);
			check(vm, seed, XBPF_PROG_F_JIT_BLIND, budget ? 0 : 5 + seed % 300, &runs);
		}
		if ((unsigned)t_failed_checks > failed_before + 20)
			break; /* enough to debug */
	}
	printf("%u differential runs, %d mismatches\n", runs, t_failed_checks - (int)failed_before);
	xbpf_vm__free(vm);
}

static void test_budget_sweep(void)
{
	/* every budget from 1 up to past the end of a looping program: same stop point */
	struct xbpf_vm *vm = gen_vm(true);
	unsigned runs = 0;
	for (uint64_t seed = 5000; seed < 5020; seed++) {
		gen_program(&g, seed, false, true);
		for (uint64_t b = 1; b < 200; b += 3)
			check(vm, seed, 0, b, &runs);
	}
	xbpf_vm__free(vm);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		count = (unsigned)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		first = strtoull(argv[2], NULL, 0);
	if (gen_maps_new(&maps)) {
		fprintf(stderr, "cannot create the maps: %s\n", strerror(errno));
		return 1;
	}
	t_fn fns[] = {test_random_programs, test_budget_sweep};
	int rc = t_run("test_random_programs, test_budget_sweep", fns, 2);
	gen_maps_free(&maps);
	return rc;
}
