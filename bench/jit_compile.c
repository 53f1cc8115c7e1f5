/* jit_compile.c - JIT compile-time benchmark (not a test): how long vm_jit_compile takes
 * per 1,000 eBPF instructions (the target: under 50 us).
 *
 *   xbpf_jit_bench [-n LOADS] [OBJ.bpf.o...]
 *
 * Programs: random valid programs of about 100, 1,000 and 4,000 slots from the JIT's test
 * generator (tests/unit/jit_gen.h: ALU, memory, atomics, branches, loops, calls), and every
 * program of the given objects (the benchmark's NAME.bpf.o by default), each loaded LOADS
 * times with the JIT; the figure is the JIT's own timing of vm_jit_compile() (analysis,
 * emission, relaxation, mapping; CPU time of the thread, so other load on the machine
 * does not count), median of the loads. For scale, each generated program is also loaded
 * on the interpreter (validation only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jit_gen.h"
#include "xbpf/object.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"

#ifndef BENCH_OBJ_DIR
#define BENCH_OBJ_DIR "."
#endif

static struct gen g;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* t: compile times; u: the same without the mmap/mprotect system calls */
static void report(const char *name, size_t insns, uint64_t *t, uint64_t *u, unsigned n)
{
	qsort(t, n, sizeof *t, cmp_u64);
	qsort(u, n, sizeof *u, cmp_u64);
	double med = (double)t[n / 2], k = (double)insns / 1000;
	printf("%-22s %5zu slots %8.1f us %7.1f us/1000 insns  (%6.1f us/1000 without "
	       "mmap+mprotect)\n", name, insns, med / 1000, med / 1000 / k,
	       (double)u[n / 2] / 1000 / k);
}

static void bench_insns(struct xbpf_vm *vm, const char *name, const struct xbpf_insn *in,
			size_t cnt, unsigned loads)
{
	uint64_t *t = calloc(loads, sizeof *t), *u = calloc(loads, sizeof *u);
	unsigned n = 0;
	for (unsigned i = 0; i < loads; i++) {
		char log[256];
		struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
						 .log_buf = log, .log_size = sizeof log};
		struct xbpf_prog *p = xbpf_prog__load(vm, in, cnt, &lo);
		if (!p) {
			printf("%-28s load failed: %s\n", name, log);
			break;
		}
		const struct jit_image *im = p->jit_priv;
		u[n] = im->compile_ns - im->map_ns;
		t[n++] = im->compile_ns;
		xbpf_prog__free(p);
	}
	if (n)
		report(name, cnt, t, u, n);
	{ /* reference: the same loads on the interpreter (validation only) */
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (unsigned i = 0; i < loads; i++) {
			struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_INTERP};
			xbpf_prog__free(xbpf_prog__load(vm, in, cnt, &lo));
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		printf("%-28s %6s        %9.1f us  (load without the JIT, for scale)\n", "",
		       "", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / loads / 1000);
	}
	free(t);
	free(u);
}

/* A random valid program of about `target` slots. */
static void big_program(uint64_t seed, size_t target)
{
	memset(&g, 0, sizeof g);
	g.s = seed;
	gen_put(&g, XBPF_ALU64 | XBPF_MOV | XBPF_X, 6, 1, 0, 0);
	for (unsigned i = 0; i < 7; i++)
		gen_put(&g, XBPF_ALU64 | XBPF_MOV | XBPF_K, gen_data_regs[i], 0, 0, (int32_t)i);
	while (g.n < target && !g.overflow) {
		unsigned k = gen_below(&g, 6);
		if (k < 3)
			gen_straight(&g, 4);
		else if (k < 4)
			gen_skip(&g);
		else if (k < 5)
			gen_loop(&g);
		else
			gen_helper(&g);
	}
	gen_put(&g, XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0);
}

static void bench_object(const char *path, unsigned loads)
{
	uint64_t *t = calloc(loads, sizeof *t), *u = calloc(loads, sizeof *u);
	size_t insns = 0;
	char name[128] = "";
	unsigned n = 0;
	for (unsigned i = 0; i < loads; i++) {
		struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
		struct xbpf_object_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
						   .no_verify = true};
		if (!obj || xbpf_object__load(obj, &lo)) {
			printf("%-28s cannot load: %s\n", path, xbpf_object__last_error());
			xbpf_object__close(obj);
			break;
		}
		uint64_t sum = 0, sys = 0;
		insns = 0;
		for (struct xbpf_program *pr = xbpf_object__next_program(obj, NULL); pr;
		     pr = xbpf_object__next_program(obj, pr)) {
			struct xbpf_prog *p = xbpf_program__prog(pr);
			if (p && p->jit_priv) {
				const struct jit_image *im = p->jit_priv;
				sum += im->compile_ns;
				sys += im->map_ns;
				insns += p->insn_cnt;
			}
		}
		u[n] = sum - sys;
		t[n++] = sum;
		xbpf_object__close(obj);
	}
	const char *base = strrchr(path, '/');
	snprintf(name, sizeof name, "%s", base ? base + 1 : path);
	if (n && insns)
		report(name, insns, t, u, n);
	free(t);
	free(u);
}

int main(int argc, char **argv)
{
	unsigned loads = 101;
	int first_obj = 1;
	if (argc > 2 && !strcmp(argv[1], "-n")) {
		loads = (unsigned)atoi(argv[2]);
		first_obj = 3;
	}
	if (!loads)
		loads = 1;
	struct xbpf_vm *vm = gen_vm();
	printf("JIT compile time (median of %u loads)\n", loads);
	static const size_t sizes[] = {100, 1000, 4000};
	for (unsigned i = 0; i < 3; i++) {
		char name[64];
		big_program(0x1234567 + i, sizes[i]);
		snprintf(name, sizeof name, "generated-%zu", sizes[i]);
		bench_insns(vm, name, g.insn, g.n, loads);
	}
	if (first_obj < argc) {
		for (int i = first_obj; i < argc; i++)
			bench_object(argv[i], loads);
	} else {
		static const char *objs[] = {"hashmix", "checksum", "sort", "collatz", "parse64",
					     "parse1500", "empty"};
		for (unsigned i = 0; i < sizeof objs / sizeof objs[0]; i++) {
			char path[512];
			snprintf(path, sizeof path, "%s/%s.bpf.o", BENCH_OBJ_DIR, objs[i]);
			bench_object(path, loads);
		}
	}
	xbpf_vm__free(vm);
	return 0;
}
