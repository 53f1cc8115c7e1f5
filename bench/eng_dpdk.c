/* eng_dpdk.c - benchmark engine: DPDK's librte_bpf interpreter (rte_bpf_exec), r1 = the
 * input, running the same NAME_raw bytecode as xbpf.
 *
 * DPDK's loader (rte_bpf_load) validates first and its validator rejects every program with
 * a loop ("loops detected"), which is all of ours. When it refuses, we build the struct
 * rte_bpf ourselves - DPDK 22.11's layout from lib/bpf/bpf_impl.h, mirrored below - and
 * still call DPDK's own interpreter on it. The interpreter reads only prm.ins (and xsym for
 * calls, unused here) and keeps its 512-byte stack on the C stack.
 *
 * dpdk-jit: DPDK's x86-64 JIT on the same bytecode. rte_bpf_load only JIT-compiles what its
 * validator accepted, so this calls the function rte_bpf_load would have called next,
 * bpf_jit(), which the static librte_bpf.a exports (bench.cmake links it when present). */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_prog.h"

#ifdef XBPF_HAVE_DPDK
#include <rte_bpf.h>
#include <rte_log.h>

struct dpdk_bpf_mirror { /* DPDK 22.11 lib/bpf/bpf_impl.h: struct rte_bpf */
	struct rte_bpf_prm prm;
	struct rte_bpf_jit jit;
	size_t sz;
	uint32_t stack_sz;
};

struct dstate {
	struct rte_bpf *loaded;         /* from rte_bpf_load, when it accepted the program */
	struct dpdk_bpf_mirror mirror;  /* otherwise */
};

static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	if (p->has_maps) {
		snprintf(why, size, "uses maps: DPDK has no BPF maps of this kind");
		return -1;
	}
	struct dstate *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	struct rte_bpf_prm prm = {
		.ins = (const struct ebpf_insn *)p->insns, .nb_ins = (uint32_t)p->insn_cnt,
		.prog_arg = {.type = RTE_BPF_ARG_PTR, .size = BENCH_LEN},
	};
	rte_log_set_global_level(RTE_LOG_EMERG); /* its validator's complaints are expected */
	s->loaded = rte_bpf_load(&prm);
	if (!s->loaded) {
		s->mirror.prm = prm;
		s->mirror.sz = sizeof s->mirror;
		s->mirror.stack_sz = 512;
	}
	*state = s;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct dstate *s = state;
	struct rte_bpf *bpf = s->loaded ? s->loaded : (struct rte_bpf *)&s->mirror;
	uint64_t t0 = bench_now_ns(), r = 0;
	for (unsigned i = 0; i < reps; i++)
		r = rte_bpf_exec(bpf, mem);
	*ret = r;
	return (double)(bench_now_ns() - t0) / reps;
}

static void teardown(void *state)
{
	struct dstate *s = state;
	if (s->loaded)
		rte_bpf_destroy(s->loaded);
	free(s);
}

const struct bench_engine bench_eng_dpdk = {"dpdk-interp", setup, measure, teardown, 64};

#ifdef XBPF_HAVE_DPDK_JIT
int bpf_jit(struct rte_bpf *bpf); /* librte_bpf.a: rte_bpf_load's JIT step */

static int setup_jit(const struct bench_prog *p, void **state, char *why, size_t size)
{
	if (p->has_maps) {
		snprintf(why, size, "uses maps: DPDK has no BPF maps of this kind");
		return -1;
	}
	struct dpdk_bpf_mirror *m = calloc(1, sizeof *m);
	if (!m)
		return -1;
	m->prm = (struct rte_bpf_prm){
		.ins = (const struct ebpf_insn *)p->insns, .nb_ins = (uint32_t)p->insn_cnt,
		.prog_arg = {.type = RTE_BPF_ARG_PTR, .size = BENCH_LEN},
	};
	m->sz = sizeof *m;
	m->stack_sz = 512;
	rte_log_set_global_level(RTE_LOG_EMERG);
	if (bpf_jit((struct rte_bpf *)m) || !m->jit.func) {
		snprintf(why, size, "DPDK's JIT did not compile it");
		free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static double measure_jit(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct dpdk_bpf_mirror *m = state;
	uint64_t (*volatile fn)(void *) = m->jit.func;
	uint64_t t0 = bench_now_ns(), r = 0;
	for (unsigned i = 0; i < reps; i++)
		r = fn(mem);
	*ret = r;
	return (double)(bench_now_ns() - t0) / reps;
}

static void teardown_jit(void *state)
{
	struct dpdk_bpf_mirror *m = state;
	munmap((void *)m->jit.func, m->jit.sz);
	free(m);
}
#else
static int setup_jit(const struct bench_prog *p, void **state, char *why, size_t size)
{
	snprintf(why, size, "needs DPDK's static librte_bpf.a");
	return -1;
}
static double measure_jit(void *state, uint8_t *mem, unsigned reps, uint64_t *ret) { return -1; }
static void teardown_jit(void *state) {}
#endif
const struct bench_engine bench_eng_dpdk_jit = {"dpdk-jit", setup_jit, measure_jit, teardown_jit, 64};
#else /* built without DPDK: the column says so */
static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	snprintf(why, size, "built without DPDK (pkg-config libdpdk not found)");
	return -1;
}
static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret) { return -1; }
static void teardown(void *state) {}
const struct bench_engine bench_eng_dpdk = {"dpdk-interp", setup, measure, teardown, 64};
const struct bench_engine bench_eng_dpdk_jit = {"dpdk-jit", setup, measure, teardown, 64};
#endif
