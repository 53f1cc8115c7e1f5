/* jit_compile.c - JIT compile-time benchmark (not a test): how long vm_jit_compile takes
 * per 1,000 eBPF instructions (the target: under 50 us).
 *
 *   xbpf_jit_bench [-n LOADS] [-v] [OBJ.o|DIR ...]
 *
 * Programs: random valid programs of about 100, 1,000 and 4,000 slots from the JIT's test
 * generator (tests/unit/jit_gen.h), the engine benchmark's objects, and real programs of
 * ../shared/ebpf-samples (by default the big Cilium objects; directories are walked).
 * Every program is compiled LOADS times (vm_jit_compile() on the loaded program, so the
 * object loader's own work does not count); the figure is the JIT's own timing of the
 * compile (analysis, emission, relaxation, mapping: CPU time of the thread, so other load
 * on the machine does not count), median of the compiles. Objects load unverified (runtime
 * checks on, the JIT's slower case) into a VM where every helper id without an
 * implementation gets a dummy one, so that every program loads.
 *
 * Printed: per object the programs, slots, time and us per 1,000 slots (-v: per program),
 * then over all corpus programs the median of the per-program us/1000, the total
 * (sum of times / sum of slots) and the slowest per-program figure, and both totals
 * without the mmap and mprotect calls. Columns: "us/1000" with runtime memory checks
 * (unverified code), "-mmap" the same without the mmap and mprotect calls, "trusted"
 * without checks (what a verified program compiles to, the
 * default when an object is loaded), "budget" the extra compile of the
 * instruction-counting body, made on the first run that asks for a budget (not at load).
 */
#include <dirent.h>
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
#ifndef XBPF_SHARED_DIR
#define XBPF_SHARED_DIR "../shared"
#endif

static struct gen g;
static bool verbose;

/* Per-program results over the corpus: us per 1,000 slots */
static double *per_prog;
static size_t nper, per_cap;
static double *per_trusted;
static double total_ns, total_slots, total_ns1, total_trusted, total_sys, total_trusted_sys;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median_u64(uint64_t *t, unsigned n)
{
	qsort(t, n, sizeof *t, cmp_u64);
	return t[n / 2];
}

/* Compile-time figures of one program: median of `loads` compiles. */
struct timing {
	uint64_t ns, sys_ns;      /* body 0 (at load): all, of which mmap+mprotect */
	uint64_t budget_ns;       /* the budget body, compiled on first budgeted use */
	uint64_t trusted_ns;      /* body 0 without runtime checks */
	uint64_t trusted_sys_ns;  /* of which mmap+mprotect */
};

static uint64_t dummy_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			     struct xbpf_run_ctx *rc)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)rc;
	return 0;
}

/* Compile p `loads` times (flags: XBPF_PROG_F_* for these compiles); medians of body 0,
 * its system calls and (budget) body 1 into t[0..2]. Returns 0 or -errno. */
static int compile_n(struct xbpf_prog *p, unsigned loads, uint32_t flags, bool budget,
		     uint64_t t[3])
{
	uint64_t *m = calloc(3 * (size_t)loads, sizeof *m);
	uint32_t saved = p->flags;
	char log[256] = "";
	int err = m ? 0 : -12;
	p->flags = flags;
	for (unsigned i = 0; i < loads && !err; i++) {
		vm_jit_free(p);
		err = vm_jit_compile(p, log, sizeof log);
		if (err)
			break;
		const struct jit_image *im = p->jit_priv, *bi = budget ? jit_budget_image(p) : NULL;
		m[i] = im->compile_ns;
		m[loads + i] = im->map_ns;
		m[2 * loads + i] = bi ? bi->compile_ns : 0;
	}
	p->flags = saved;
	if (err)
		fprintf(stderr, "  %s: JIT failed: %s\n", p->name, log);
	for (int k = 0; k < 3 && !err; k++)
		t[k] = median_u64(m + (size_t)k * loads, loads);
	free(m);
	return err;
}

/* Recompile a loaded program: as loaded, then trusted; the program is left compiled as
 * loaded. Returns 0 or -errno. */
static int time_prog(struct xbpf_prog *p, unsigned loads, struct timing *tm)
{
	uint64_t a[3], b[3];
	int err = compile_n(p, loads, p->flags | XBPF_PROG_F_NO_CHECKS, false, b);
	if (!err)
		err = compile_n(p, loads, p->flags, true, a);
	if (!err)
		*tm = (struct timing){a[0], a[1], a[2], b[0], b[1]};
	return err;
}

static void print_row(const char *name, unsigned progs, size_t slots, const struct timing *tm)
{
	double k = (double)slots / 1000;
	printf("%-34s %4u %7zu %9.1f %8.1f %8.1f %8.1f %8.1f\n", name, progs, slots,
	       (double)tm->ns / 1000, (double)tm->ns / 1000 / k,
	       (double)(tm->ns - tm->sys_ns) / 1000 / k, (double)tm->trusted_ns / 1000 / k,
	       (double)tm->budget_ns / 1000 / k);
}

static void header(void)
{
	printf("%-34s %4s %7s %9s %8s %8s %8s %8s\n", "program / object", "progs", "slots",
	       "time us", "us/1000", "-mmap", "trusted", "budget");
}

static void record(size_t slots, const struct timing *tm)
{
	if (nper == per_cap) {
		per_cap = per_cap ? 2 * per_cap : 256;
		per_prog = realloc(per_prog, per_cap * sizeof *per_prog);
		per_trusted = realloc(per_trusted, per_cap * sizeof *per_trusted);
	}
	per_trusted[nper] = (double)tm->trusted_ns / ((double)slots / 1000) / 1000;
	per_prog[nper++] = (double)tm->ns / ((double)slots / 1000) / 1000;
	total_ns += (double)tm->ns;
	total_trusted += (double)tm->trusted_ns;
	total_sys += (double)tm->sys_ns;
	total_trusted_sys += (double)tm->trusted_sys_ns;
	total_ns1 += (double)tm->budget_ns;
	total_slots += (double)slots;
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

static void bench_generated(struct xbpf_vm *vm, size_t size, unsigned loads)
{
	char name[64], log[256];
	big_program(0x1234567 + size, size);
	snprintf(name, sizeof name, "generated-%zu", size);
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *p = xbpf_prog__load(vm, g.insn, g.n, &lo);
	struct timing tm;
	if (!p)
		printf("%-34s load failed: %s\n", name, log);
	else if (!time_prog(p, loads, &tm))
		print_row(name, 1, p->insn_cnt, &tm);
	xbpf_prog__free(p);
}

/* corpus: whether to count the object's programs in the summary */
/* "dir/file" of a path */
static const char *short_name(const char *path)
{
	const char *last = strrchr(path, '/'), *p = last;
	if (!last)
		return path;
	while (p > path && p[-1] != '/')
		p--;
	return p;
}

static void bench_object(struct xbpf_vm *vm, const char *path, unsigned loads, bool corpus)
{
	const char *name = short_name(path);
	char log[512] = "";
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .vm = vm, .engine = XBPF_ENGINE_JIT,
					   .no_verify = true, .log_buf = log,
					   .log_size = sizeof log};
	if (!obj || xbpf_object__load(obj, &lo)) {
		if (verbose)
			printf("%-34s cannot load: %s\n", name,
			       obj ? log : xbpf_object__last_error());
		xbpf_object__close(obj);
		return;
	}
	struct timing sum = {0};
	size_t slots = 0;
	unsigned progs = 0;
	for (struct xbpf_program *pr = xbpf_object__next_program(obj, NULL); pr;
	     pr = xbpf_object__next_program(obj, pr)) {
		struct xbpf_prog *p = xbpf_program__prog(pr);
		struct timing tm;
		if (!p || !p->jit_priv || time_prog(p, loads, &tm))
			continue;
		if (verbose) {
			char name[80];
			snprintf(name, sizeof name, "  %s", xbpf_program__name(pr));
			print_row(name, 1, p->insn_cnt, &tm);
		}
		if (corpus)
			record(p->insn_cnt, &tm);
		sum.ns += tm.ns;
		sum.sys_ns += tm.sys_ns;
		sum.budget_ns += tm.budget_ns;
		sum.trusted_ns += tm.trusted_ns;
		sum.trusted_sys_ns += tm.trusted_sys_ns;
		slots += p->insn_cnt;
		progs++;
	}
	if (progs)
		print_row(name, progs, slots, &sum);
	xbpf_object__close(obj);
}

static void bench_path(struct xbpf_vm *vm, const char *path, unsigned loads)
{
	DIR *d = opendir(path);
	if (!d) {
		bench_object(vm, path, loads, true);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char sub[1024];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR || (len > 2 && !strcmp(e->d_name + len - 2, ".o")))
			bench_path(vm, sub, loads);
	}
	closedir(d);
}

static void summary(void)
{
	if (!nper)
		return;
	qsort(per_prog, nper, sizeof *per_prog, cmp_dbl);
	qsort(per_trusted, nper, sizeof *per_trusted, cmp_dbl);
	double k = total_slots / 1000;
	printf("\ncorpus: %zu programs, %.0f slots; us per 1,000 slots:\n"
	       "  with runtime checks: median %.1f per program, total %.1f (%.1f ms), slowest %.1f\n"
	       "  trusted (verified):  median %.1f per program, total %.1f (%.1f ms), slowest %.1f\n"
	       "  budget body (compiled on the first budgeted run): total %.1f\n"
	       "  without mmap+mprotect: with runtime checks total %.1f, trusted total %.1f\n",
	       nper, total_slots, per_prog[nper / 2], total_ns / 1000 / k, total_ns / 1e6,
	       per_prog[nper - 1], per_trusted[nper / 2], total_trusted / 1000 / k,
	       total_trusted / 1e6, per_trusted[nper - 1], total_ns1 / 1000 / k,
	       (total_ns - total_sys) / 1000 / k, (total_trusted - total_trusted_sys) / 1000 / k);
}

/* A VM whose every helper id has an implementation (dummies where xbpf has none). */
static struct xbpf_vm *bench_vm(void)
{
	struct xbpf_vm *vm = gen_vm(false);
	for (uint32_t id = 1; vm && id < XBPF_MAX_HELPER_ID; id++)
		if (!vm->helpers[id].fn)
			xbpf_vm__register_helper(vm, id, vm->helpers[id].name ? vm->helpers[id].name
					: "bench_dummy", dummy_helper,
					vm->helpers[id].name ? &vm->helpers[id].proto : NULL);
	return vm;
}

int main(int argc, char **argv)
{
	unsigned loads = 21;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-n") && first + 1 < argc)
			loads = (unsigned)atoi(argv[++first]);
		else if (!strcmp(argv[first], "-v"))
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [-n LOADS] [-v] [OBJ.o|DIR ...]\n", argv[0]);
			return 2;
		}
	}
	if (!loads)
		loads = 1;
	xbpf_set_print(NULL);
	struct xbpf_vm *vm = bench_vm();
	if (!vm)
		return 1;
	printf("JIT compile time, median of %u compiles per program (us/1000 = per 1,000 "
	       "slots; -mmap: without mmap+mprotect; budget: the counting body)\n", loads);
	header();
	static const size_t sizes[] = {100, 1000, 4000};
	for (unsigned i = 0; i < 3; i++)
		bench_generated(vm, sizes[i], loads);
	if (first < argc) {
		for (int i = first; i < argc; i++)
			bench_path(vm, argv[i], loads);
	} else {
		static const char *objs[] = {"hashmix", "checksum", "sort", "collatz", "parse64",
					     "parse1500", "empty"};
		for (unsigned i = 0; i < sizeof objs / sizeof objs[0]; i++) {
			char path[512];
			snprintf(path, sizeof path, "%s/%s.bpf.o", BENCH_OBJ_DIR, objs[i]);
			bench_object(vm, path, loads, false);
		}
		static const char *corpus[] = {
			"cilium-core/bpf_lxc.o", "cilium-core/bpf_host.o",
			"cilium-core/bpf_overlay.o", "cilium-core/bpf_xdp.o",
			"cilium-core/bpf_sock.o", "cilium-core/bpf_wireguard.o",
			"cilium/bpf_lxc.o", "cilium/bpf_netdev.o", "cilium/bpf_xdp_dsr_linux.o",
			"bpf_cilium_test/bpf_lxc_jit.o", "bpf_cilium_test/bpf_netdev.o",
		};
		for (unsigned i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
			char path[512];
			snprintf(path, sizeof path, "%s/ebpf-samples/%s", XBPF_SHARED_DIR, corpus[i]);
			bench_object(vm, path, loads, true);
		}
	}
	summary();
	xbpf_vm__free(vm);
	return 0;
}
