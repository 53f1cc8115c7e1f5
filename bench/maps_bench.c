/* maps_bench.c - map operations from programs, xbpf vs the Linux kernel side by side.
 *
 * Each workload is one program doing OPS (16) unrolled map operations per run:
 *   array_inc     bpf_map_lookup_elem(ARRAY) + atomic increment of the value
 *   hash_update   bpf_map_update_elem(HASH, key, value, BPF_ANY) on existing keys
 *   hash_lookup_update  lookup, then update with the value + 1 (HASH)
 *   lru_update    bpf_map_update_elem(LRU_HASH) of ever-new keys (eviction every time)
 *   lpm_lookup    bpf_map_lookup_elem(LPM_TRIE) of /32 keys in a trie of 1000 prefixes
 *   ringbuf_output bpf_ringbuf_output(16 bytes, BPF_RB_NO_WAKEUP)
 * The same instructions run in xbpf (xbpf_prog__run in a loop, interpreter and JIT when
 * available) and in the kernel (BPF_PROG_TEST_RUN of an XDP program with `repeat`).
 * Reported: ns per run, and ns per map operation after subtracting an empty program's
 * run cost measured the same way; ratio = kernel / xbpf.
 *
 *   maps_bench [RUNS]     (default 200000; the kernel part is skipped without bpf())
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "xbpf/xbpf.h"
#include "../tests/unit/map_progs.h"
#ifdef XBPF_BENCH_KERNEL
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#define OPS 16
#define MAXI 1024

struct workload {
	const char *name;
	enum xbpf_map_type type;
	uint32_t ks, vs, max, flags;
	int nops;  /* map operations per run (0: the empty baseline) */
	size_t (*build)(struct xbpf_insn *p);
};

static size_t emit_end(struct xbpf_insn *p, size_t n)
{
	p[n++] = MOV_IMM(0, 0);
	p[n++] = EXIT();
	return n;
}

static size_t build_empty(struct xbpf_insn *p) { return emit_end(p, 0); }

/* key i at fp-8 (u32 or u64: the map's key size reads the low bytes) */
#define KEY(i) p[n++] = ST_DW(10, -8, i)

/* r0 = bpf_map_lookup_elem(map, fp-8) */
static size_t emit_lookup(struct xbpf_insn *p, size_t n)
{
	p[n++] = MOV_REG(2, 10);
	p[n++] = ADD_IMM(2, -8);
	p[n++] = BI(XBPF_LD | XBPF_DW | XBPF_IMM, 1, XBPF_PSEUDO_MAP_IDX, 0, 0);
	p[n++] = BI(0, 0, 0, 0, 0);
	p[n++] = CALL(1);
	return n;
}

/* bpf_map_update_elem(map, fp-8, fp-16, BPF_ANY) */
static size_t emit_update(struct xbpf_insn *p, size_t n)
{
	p[n++] = MOV_REG(2, 10);
	p[n++] = ADD_IMM(2, -8);
	p[n++] = MOV_REG(3, 10);
	p[n++] = ADD_IMM(3, -16);
	p[n++] = MOV_IMM(4, 0);
	p[n++] = BI(XBPF_LD | XBPF_DW | XBPF_IMM, 1, XBPF_PSEUDO_MAP_IDX, 0, 0);
	p[n++] = BI(0, 0, 0, 0, 0);
	p[n++] = CALL(2);
	return n;
}

static size_t build_array_inc(struct xbpf_insn *p)
{
	size_t n = 0;
	for (int i = 0; i < OPS; i++) {
		KEY(i);
		n = emit_lookup(p, n);
		p[n++] = JEQ_IMM(0, 0, 2);
		p[n++] = MOV_IMM(1, 1);
		p[n++] = XADD_DW(0, 1, 0);
	}
	return emit_end(p, n);
}

static size_t build_hash_update(struct xbpf_insn *p)
{
	size_t n = 0;
	for (int i = 0; i < OPS; i++) {
		KEY(i);
		p[n++] = ST_DW(10, -16, i * 3);
		n = emit_update(p, n);
	}
	return emit_end(p, n);
}

static size_t build_hash_lookup_update(struct xbpf_insn *p)
{
	size_t n = 0;
	for (int i = 0; i < OPS; i++) {
		KEY(i);
		p[n++] = ST_DW(10, -16, 1);
		n = emit_lookup(p, n);
		p[n++] = JEQ_IMM(0, 0, 3);
		p[n++] = LDX_DW(1, 0, 0);
		p[n++] = ADD_IMM(1, 1);
		p[n++] = STX_DW(10, 1, -16);
		n = emit_update(p, n);
	}
	return emit_end(p, n);
}

/* keys = prandom: fresh keys every time, so a full LRU map evicts on each update */
static size_t build_lru_update(struct xbpf_insn *p)
{
	size_t n = 0;
	for (int i = 0; i < OPS; i++) {
		p[n++] = CALL(7);   /* bpf_get_prandom_u32 */
		p[n++] = STX_DW(10, 0, -8);
		p[n++] = ST_DW(10, -16, i);
		n = emit_update(p, n);
	}
	return emit_end(p, n);
}

/* /32 lookups of 10.0.0.i in a trie of LPM_PREFIXES prefixes (see prefill_key) */
static size_t build_lpm_lookup(struct xbpf_insn *p)
{
	size_t n = 0;
	for (int i = 0; i < OPS; i++) {
		p[n++] = ST_W(10, -8, 32);
		p[n++] = ST_W(10, -4, 10 | i << 24);
		n = emit_lookup(p, n);
	}
	return emit_end(p, n);
}

static size_t build_ringbuf_output(struct xbpf_insn *p)
{
	size_t n = 0;
	p[n++] = ST_DW(10, -16, 7);
	p[n++] = ST_DW(10, -8, 8);
	for (int i = 0; i < OPS; i++) {
		p[n++] = BI(XBPF_LD | XBPF_DW | XBPF_IMM, 1, XBPF_PSEUDO_MAP_IDX, 0, 0);
		p[n++] = BI(0, 0, 0, 0, 0);
		p[n++] = MOV_REG(2, 10);
		p[n++] = ADD_IMM(2, -16);
		p[n++] = MOV_IMM(3, 16);
		p[n++] = MOV_IMM(4, 1);   /* BPF_RB_NO_WAKEUP */
		p[n++] = CALL(130);
	}
	return emit_end(p, n);
}

#define LPM_PREFIXES 1000
static const struct workload workloads[] = {
	{"empty", XBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, build_empty},
	{"array_inc", XBPF_MAP_TYPE_ARRAY, 4, 8, 64, 0, OPS, build_array_inc},
	{"hash_update", XBPF_MAP_TYPE_HASH, 8, 8, 1024, 0, OPS, build_hash_update},
	{"hash_lookup_update", XBPF_MAP_TYPE_HASH, 8, 8, 1024, 0, 2 * OPS,
	 build_hash_lookup_update},
	{"lru_update", XBPF_MAP_TYPE_LRU_HASH, 8, 8, 1024, 0, OPS, build_lru_update},
	{"lpm_lookup", XBPF_MAP_TYPE_LPM_TRIE, 8, 8, 1024, XBPF_F_NO_PREALLOC, OPS,
	 build_lpm_lookup},
	{"ringbuf_output", XBPF_MAP_TYPE_RINGBUF, 0, 0, 64u << 20, 0, OPS,
	 build_ringbuf_output},
};
#define NW (sizeof workloads / sizeof workloads[0])

/* The i-th key put in w's map before the run (8 bytes); false past the last. Hash maps:
 * keys 0..OPS-1, so updates hit existing keys. LPM: every prefix /8../32 of the looked-up
 * addresses 10.0.0.0-15 (so each lookup walks a deep path), then pseudo-random prefixes
 * of 10/8 up to LPM_PREFIXES. */
static bool prefill_key(const struct workload *w, uint32_t i, uint8_t key[8])
{
	if (w->type == XBPF_MAP_TYPE_HASH || w->type == XBPF_MAP_TYPE_LRU_HASH) {
		uint64_t k = i;
		memcpy(key, &k, 8);
		return i < OPS;
	}
	if (w->type != XBPF_MAP_TYPE_LPM_TRIE || i >= LPM_PREFIXES)
		return false;
	uint32_t plen = 8 + i % 25, h = i * 2654435761u;
	uint8_t d[4] = {10, 0, 0, (uint8_t)(i / 25)};
	if (i >= 25 * OPS)
		d[1] = (uint8_t)(h >> 8), d[2] = (uint8_t)(h >> 16), d[3] = (uint8_t)(h >> 24);
	memcpy(key, &plen, 4);
	memcpy(key + 4, d, 4);
	return true;
}

/* CPU time of this thread: the machine may be shared, and the kernel's test_run timer
 * likewise leaves out the time its loop spends rescheduled. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Put w's prefill keys in its map (value = a counter). */
static void prefill_xbpf(struct xbpf_map *m, const struct workload *w)
{
	uint8_t key[8];
	for (uint64_t i = 0; prefill_key(w, (uint32_t)i, key); i++)
		xbpf_map__update_elem(m, key, &i, XBPF_ANY);
}

/* ns per run in xbpf with `engine`, or -1 when the program cannot run there. */
static double run_xbpf(struct xbpf_vm *vm, const struct workload *w, enum xbpf_engine engine,
		       unsigned runs)
{
	struct xbpf_insn insns[MAXI];
	size_t n = w->build(insns);
	struct xbpf_map_create_opts mo = {.sz = sizeof mo, .map_flags = w->flags};
	struct xbpf_map *m = xbpf_map__create(w->type, w->ks, w->vs, w->max, &mo);
	if (!m)
		return -1;
	prefill_xbpf(m, w);
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .maps = &m, .map_cnt = 1,
					 .engine = engine, .flags = XBPF_PROG_F_NO_CHECKS};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, n, &lo);
	double ns = -1;
	if (p) {
		uint8_t pkt[64] = {0};
		struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = pkt, .ctx_size = sizeof pkt};
		for (unsigned i = 0; i < runs / 10; i++)   /* warm up */
			xbpf_prog__run(p, &ro);
		double t0 = now_ns();
		for (unsigned i = 0; i < runs; i++)
			xbpf_prog__run(p, &ro);
		ns = (now_ns() - t0) / runs;
		xbpf_prog__free(p);
	}
	xbpf_map__put(m);
	return ns;
}

#ifdef XBPF_BENCH_KERNEL
/* ns per run in the kernel (BPF_PROG_TEST_RUN, XDP), or -1 without bpf(). */
static double run_kernel(const struct workload *w, unsigned runs)
{
	struct xbpf_insn insns[MAXI];
	size_t n = w->build(insns);
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = w->flags);
	int fd = bpf_map_create((enum bpf_map_type)w->type, NULL, w->ks, w->vs, w->max, &mo);
	if (fd < 0)
		return -1;
	uint8_t key[8];
	for (uint64_t i = 0; prefill_key(w, (uint32_t)i, key); i++)
		bpf_map_update_elem(fd, key, &i, BPF_ANY);
	for (size_t i = 0; i < n; i++)
		if (insns[i].code == (XBPF_LD | XBPF_DW | XBPF_IMM) &&
		    insns[i].src_reg == XBPF_PSEUDO_MAP_IDX) {
			insns[i].src_reg = XBPF_PSEUDO_MAP_FD;
			insns[i].imm = fd;
		}
	int pfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "maps_bench", "GPL",
				(const struct bpf_insn *)insns, n, NULL);
	double ns = -1;
	if (pfd >= 0) {
		uint8_t pkt[64] = {0};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof pkt,
			    .repeat = runs / 10);
		bpf_prog_test_run_opts(pfd, &o);
		o.repeat = runs;
		if (!bpf_prog_test_run_opts(pfd, &o))
			ns = o.duration;
		close(pfd);
	} else {
		fprintf(stderr, "%s: kernel load failed: %s\n", w->name, strerror(-pfd));
	}
	close(fd);
	return ns;
}
#else
static double run_kernel(const struct workload *w, unsigned runs) { return -1; }
#endif

static void print_row(const char *name, int nops, const double *ns, const double *base)
{
	printf("%-20s", name);
	for (int e = 0; e < 3; e++) {
		if (ns[e] < 0) {
			printf(" %10s %9s", "-", "-");
			continue;
		}
		double per = nops ? (ns[e] - base[e]) / nops : 0;
		printf(" %10.1f %9.1f", ns[e], per < 0 ? 0 : per);
	}
	for (int e = 0; e < 2; e++) {
		double px = nops && ns[e] >= 0 ? (ns[e] - base[e]) / nops : -1;
		double pk = nops && ns[2] >= 0 ? (ns[2] - base[2]) / nops : -1;
		if (px > 0 && pk > 0)
			printf(" %7.1fx", pk / px);
		else
			printf(" %8s", "-");
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
	if (!runs)
		runs = 1;
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm)
		return 1;
	printf("map operations from programs, %u runs each, %d ops per run\n", runs, OPS);
	printf("%-20s %10s %9s %10s %9s %10s %9s %8s %8s\n", "workload", "interp", "ns/op",
	       "jit", "ns/op", "kernel", "ns/op", "k/interp", "k/jit");
	double base[3] = {0, 0, 0};
	for (size_t i = 0; i < NW; i++) {
		double ns[3];
		unsigned r = workloads[i].type == XBPF_MAP_TYPE_RINGBUF && runs > 100000 ?
			     100000 : runs;   /* the ring holds ~64 MiB of records */
		ns[0] = run_xbpf(vm, &workloads[i], XBPF_ENGINE_INTERP, r);
		ns[1] = run_xbpf(vm, &workloads[i], XBPF_ENGINE_JIT, r);
		ns[2] = run_kernel(&workloads[i], r);
		if (i == 0)
			memcpy(base, ns, sizeof base);
		print_row(workloads[i].name, workloads[i].nops, ns, base);
	}
	printf("ns/op = (ns per run - empty program's ns per run) / ops per run; "
	       "k/x = kernel ns/op / xbpf ns/op\n");
	xbpf_vm__free(vm);
	return 0;
}
