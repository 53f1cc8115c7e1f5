/* eng_dpdk.c - benchmark engine: DPDK's librte_bpf interpreter (rte_bpf_exec), r1 = the
 * input, running the same NAME_raw bytecode as xbpf.
 *
 * DPDK's loader (rte_bpf_load) validates first and its validator rejects every program with
 * a loop ("loops detected"), which is all of ours. When it refuses, we build the struct
 * rte_bpf ourselves - DPDK 22.11's layout from lib/bpf/bpf_impl.h, mirrored below - and
 * still call DPDK's own interpreter on it. The interpreter reads only prm.ins (and xsym for
 * calls, unused here) and keeps its 512-byte stack on the C stack. */
#include <errno.h>
#include <stdio.h>
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
#else /* built without DPDK: the column says so */
static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	snprintf(why, size, "built without DPDK (pkg-config libdpdk not found)");
	return -1;
}
static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret) { return -1; }
static void teardown(void *state) {}
const struct bench_engine bench_eng_dpdk = {"dpdk-interp", setup, measure, teardown, 64};
#endif
