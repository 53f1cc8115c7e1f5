/* bench.c - xbpf's benchmark runner (not a test): every program of the table below on every
 * engine, in one process, runs interleaved round by round; prints the median ns per run and
 * ratios. Usage: xbpf_bench [-n ROUNDS] [-t MS] [-p PROG] [-e ENGINE] [-o OBJDIR]
 *
 * Each measurement is a batch of runs lasting about MS milliseconds (the batch size is
 * calibrated once per program and engine); a round measures every program on every
 * engine, starting with a different engine each round; the table shows the median of the
 * rounds. Every engine's r0 is checked against the native build of the same C.
 */
#include <bpf/libbpf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"
#include "bench_prog.h"

#ifndef BENCH_OBJ_DIR
#define BENCH_OBJ_DIR "."
#endif

uint64_t bench_native_hashmix(const uint8_t *), bench_native_checksum(const uint8_t *),
	bench_native_sort(const uint8_t *), bench_native_collatz(const uint8_t *);
uint64_t bench_native_parse64(const uint8_t *), bench_native_parse1500(const uint8_t *),
	bench_native_empty(const uint8_t *);
uint64_t bench_native_arraymap(const uint8_t *), bench_native_hashmap(const uint8_t *);

static struct bench_prog progs[] = {
	{"hashmix", bench_native_hashmix},
	{"checksum", bench_native_checksum},
	{"sort", bench_native_sort},
	{"collatz", bench_native_collatz},
	{"parse64", bench_native_parse64},
	{"parse1500", bench_native_parse1500},
	{"arraymap", bench_native_arraymap},
	{"hashmap", bench_native_hashmap},
	{"empty", bench_native_empty},
};
#define NPROGS (sizeof progs / sizeof progs[0])

static const struct bench_engine *const engines[] = {
	&bench_eng_native, &bench_eng_xbpf_interp, &bench_eng_xbpf_switch,
	&bench_eng_xbpf_checked, &bench_eng_xbpf_jit, &bench_eng_xbpf_jit_call,
	&bench_eng_xbpf_jit_run, &bench_eng_dpdk,
	&bench_eng_dpdk_jit, &bench_eng_kernel,
};
#define NENGINES (sizeof engines / sizeof engines[0])

/* ratio columns: engine a's time / engine b's time */
static const struct { const char *label, *a, *b; } ratios[] = {
	{"interp/dpdk", "xbpf-interp", "dpdk-interp"},
	{"interp/kernel", "xbpf-interp", "kernel-jit"},
	{"interp/native", "xbpf-interp", "native"},
	{"jit/kernel", "xbpf-jit", "kernel-jit"},
	{"jit/dpdk-jit", "xbpf-jit", "dpdk-jit"},
	{"jit-call/kernel", "xbpf-jit-call", "kernel-jit"},
	{"jit-run/kernel", "xbpf-jit-run", "kernel-jit"},
};
#define NRATIOS (sizeof ratios / sizeof ratios[0])

#define MAX_ROUNDS 201

struct cell {
	void *state;        /* NULL: not available (why) */
	char why[160];
	unsigned reps;      /* batch size */
	double t[MAX_ROUNDS];
	unsigned n;
	bool mismatch;
	uint64_t bad_ret;
};

static struct cell cells[NPROGS][NENGINES];
static uint8_t input[BENCH_LEN];
static uint64_t expected[NPROGS];

uint64_t bench_now_ns(void)
{
	/* this thread's CPU time, not wall time: on a loaded machine the time spent descheduled
	 * would otherwise land in whichever engine was running (the kernel's own test-run
	 * timer likewise leaves out its rescheduling points) */
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap) { return 0; }

/* NAME_raw's instructions from NAME.bpf.o, unrelocated (for DPDK, which only gets the
 * programs without maps; xbpf and the kernel load the object themselves). */
static int load_insns(struct bench_prog *p, const char *dir)
{
	char entry[128];
	snprintf(p->obj_path, sizeof p->obj_path, "%s/%s.bpf.o", dir, p->name);
	snprintf(entry, sizeof entry, "%s_raw", p->name);
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(p->obj_path, NULL);
	if (!obj)
		return fprintf(stderr, "bench: cannot open %s\n", p->obj_path), -1;
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, entry);
	p->has_maps = bpf_object__next_map(obj, NULL) != NULL;
	if (prog) {
		p->insn_cnt = bpf_program__insn_cnt(prog);
		p->insns = malloc(p->insn_cnt * sizeof *p->insns);
		if (p->insns)
			memcpy(p->insns, bpf_program__insns(prog), p->insn_cnt * sizeof *p->insns);
	}
	bpf_object__close(obj);
	if (!p->insns)
		return fprintf(stderr, "bench: no program %s in %s\n", entry, p->obj_path), -1;
	return 0;
}

static void make_input(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < BENCH_LEN; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		input[i] = (uint8_t)x;
	}
}

static double measure(size_t pi, size_t ei, unsigned reps)
{
	struct cell *c = &cells[pi][ei];
	uint64_t ret = 0, mask = engines[ei]->ret_bits == 64 ? ~0ull : (1ull << engines[ei]->ret_bits) - 1;
	double t = engines[ei]->measure(c->state, input, reps, &ret);
	if (t < 0 || (ret & mask) != (expected[pi] & mask)) {
		c->mismatch = true;
		c->bad_ret = ret;
	}
	return t;
}

/* Batch size so that one measurement lasts about target_ns. */
static void calibrate(size_t pi, size_t ei, double target_ns)
{
	struct cell *c = &cells[pi][ei];
	unsigned reps = 1;
	double t = measure(pi, ei, reps);
	while (t >= 0 && t * reps < target_ns / 8 && reps < (1u << 24)) {
		reps *= 8;
		t = measure(pi, ei, reps);
	}
	double r = t > 0 ? target_ns / t : 1;
	c->reps = r < 1 ? 1 : r > (1u << 26) ? (1u << 26) : (unsigned)r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(struct cell *c)
{
	if (!c->state || c->n == 0)
		return NAN;
	double v[MAX_ROUNDS];
	memcpy(v, c->t, c->n * sizeof v[0]);
	qsort(v, c->n, sizeof v[0], cmp_double);
	return c->n % 2 ? v[c->n / 2] : (v[c->n / 2 - 1] + v[c->n / 2]) / 2;
}

static int engine_index(const char *name)
{
	for (size_t i = 0; i < NENGINES; i++)
		if (!strcmp(engines[i]->name, name))
			return (int)i;
	return -1;
}

#define NOT_SELECTED "not selected (-p/-e)"

/* False when -p left program p out (all its cells unselected). */
static bool prog_selected(size_t p)
{
	for (size_t e = 0; e < NENGINES; e++)
		if (strcmp(cells[p][e].why, NOT_SELECTED))
			return true;
	return false;
}

static void print_tables(unsigned rounds, double target_ms)
{
	printf("xbpf benchmark: median ns per run of %u rounds, ~%.0f ms batches, %d-byte input\n\n",
	       rounds, target_ms, BENCH_LEN);
	printf("%-10s %6s", "program", "insns");
	for (size_t e = 0; e < NENGINES; e++)
		printf(" %13s", engines[e]->name);
	printf("\n");
	for (size_t p = 0; p < NPROGS; p++) {
		if (!prog_selected(p))
			continue;
		printf("%-10s %6zu", progs[p].name, progs[p].insn_cnt);
		for (size_t e = 0; e < NENGINES; e++) {
			double m = median(&cells[p][e]);
			if (isnan(m))
				printf(" %13s", "n/a");
			else
				printf(" %12.1f%s", m, cells[p][e].mismatch ? "!" : " ");
		}
		printf("\n");
	}
	printf("\n%-17s", "ratio (time/time)");
	for (size_t r = 0; r < NRATIOS; r++)
		printf(" %14s", ratios[r].label);
	printf("\n");
	double logsum[NRATIOS] = {0};
	unsigned logn[NRATIOS] = {0};
	for (size_t p = 0; p <= NPROGS; p++) {
		if (p < NPROGS && !prog_selected(p))
			continue;
		printf("%-17s", p < NPROGS ? progs[p].name : "geometric mean");
		for (size_t r = 0; r < NRATIOS; r++) {
			int a = engine_index(ratios[r].a), b = engine_index(ratios[r].b);
			double v = NAN;
			if (p < NPROGS && a >= 0 && b >= 0) {
				v = median(&cells[p][a]) / median(&cells[p][b]);
				if (!isnan(v))
					logsum[r] += log(v), logn[r]++;
			} else if (p == NPROGS && logn[r]) {
				v = exp(logsum[r] / logn[r]);
			}
			if (isnan(v))
				printf(" %14s", "n/a");
			else
				printf(" %13.2fx", v);
		}
		printf("\n");
	}
}

static void print_notes(void)
{
	bool any = false;
	for (size_t e = 0; e < NENGINES; e++)
		for (size_t p = 0; p < NPROGS; p++) {
			struct cell *c = &cells[p][e];
			if ((c->state && !c->mismatch) || !strcmp(c->why, NOT_SELECTED))
				continue;
			if (!any)
				printf("\nnotes:\n");
			any = true;
			if (!c->state)
				printf("  %s/%s n/a: %s\n", engines[e]->name, progs[p].name, c->why);
			else
				printf("  %s/%s WRONG RESULT (!): r0 0x%llx, native 0x%llx\n", engines[e]->name,
				       progs[p].name, (unsigned long long)c->bad_ret,
				       (unsigned long long)expected[p]);
		}
	printf("\nxbpf-interp/-switch run trusted (no runtime memory checks, as verified code);\n"
	       "xbpf-checked is the interpreter with checks. xbpf-interp/-switch/-checked/-jit are\n"
	       "xbpf_runner__run_repeat's own figure (prepared runs, runner.h; the loop around the\n"
	       "program only, like the kernel's); xbpf-jit-call times the bench's loop around\n"
	       "xbpf_runner__run, xbpf-jit-run its loop around xbpf_prog__run (the per-call API).\n"
	       "dpdk-interp is rte_bpf_exec and\n"
	       "dpdk-jit DPDK's x86 JIT: DPDK's validator rejects loops, so the program is\n"
	       "handed to its interpreter and JIT directly (eng_dpdk.c).\n"
	       "kernel-jit is BPF_PROG_TEST_RUN's own average duration (SCHED_CLS on the packet).\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: xbpf_bench [-n ROUNDS] [-t MS] [-p PROG] [-e ENGINE] [-o OBJDIR]\n");
	exit(2);
}

static bool selected(const char *name, const char *filter)
{
	return !filter || strstr(name, filter);
}

static void setup_all(const char *pfilter, const char *efilter, double target_ns)
{
	for (size_t p = 0; p < NPROGS; p++) {
		expected[p] = progs[p].native(input);
		for (size_t e = 0; e < NENGINES; e++) {
			struct cell *c = &cells[p][e];
			if (!selected(progs[p].name, pfilter) || !selected(engines[e]->name, efilter)) {
				snprintf(c->why, sizeof c->why, NOT_SELECTED);
				continue;
			}
			if (engines[e]->setup(&progs[p], &c->state, c->why, sizeof c->why)) {
				c->state = NULL;
				continue;
			}
			calibrate(p, e, target_ns);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned rounds = 11;
	double target_ms = 5;
	const char *pfilter = NULL, *efilter = NULL, *dir = BENCH_OBJ_DIR;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-n"))
			rounds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t"))
			target_ms = atof(argv[++i]);
		else if (!strcmp(argv[i], "-p"))
			pfilter = argv[++i];
		else if (!strcmp(argv[i], "-e"))
			efilter = argv[++i];
		else if (!strcmp(argv[i], "-o"))
			dir = argv[++i];
		else
			usage();
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || target_ms <= 0)
		usage();
	make_input();
	for (size_t p = 0; p < NPROGS; p++)
		if (load_insns(&progs[p], dir))
			return 1;
	setup_all(pfilter, efilter, target_ms * 1e6);
	for (unsigned r = 0; r < rounds; r++)
		for (size_t p = 0; p < NPROGS; p++)
			for (size_t k = 0; k < NENGINES; k++) {
				size_t e = (k + r) % NENGINES; /* rotate who goes first */
				struct cell *c = &cells[p][e];
				if (c->state)
					c->t[c->n++] = measure(p, e, c->reps);
			}
	print_tables(rounds, target_ms);
	print_notes();
	for (size_t p = 0; p < NPROGS; p++)
		for (size_t e = 0; e < NENGINES; e++)
			if (cells[p][e].state)
				engines[e]->teardown(cells[p][e].state);
	return 0;
}
