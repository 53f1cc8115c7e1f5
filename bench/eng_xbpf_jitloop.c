/* eng_xbpf_jitloop.c - benchmark engine: the xbpf JIT timed the way the kernel times
 * BPF_PROG_TEST_RUN: one run context prepared once, then the compiled entry point called
 * in a loop, and only that loop timed. (The xbpf-jit column calls xbpf_prog__run() per
 * run, so it also pays the per-run setup of the public API.) Trusted programs only, like
 * xbpf-jit: no runtime memory checks. */
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_prog.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"

struct lstate {
	struct xbpf_vm *vm;
	struct xbpf_prog *prog;
	alignas(16) uint8_t stack[XBPF_MAX_FRAMES * XBPF_STACK_SIZE];
};

static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	struct lstate *s = calloc(1, sizeof *s);
	if (!s || !(s->vm = xbpf_vm__new(NULL))) {
		snprintf(why, size, "xbpf_vm__new: %s", strerror(errno));
		free(s);
		return -1;
	}
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log,
					 .flags = XBPF_PROG_F_NO_CHECKS, .engine = XBPF_ENGINE_JIT,
					 .name = p->name};
	s->prog = xbpf_prog__load(s->vm, p->insns, p->insn_cnt, &lo);
	if (!s->prog || !s->prog->jit_entry) {
		snprintf(why, size, "%s", log[0] ? log : strerror(errno));
		xbpf_prog__free(s->prog);
		xbpf_vm__free(s->vm);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct lstate *s = state;
	struct xbpf_run_ctx rc;
	memset(&rc, 0, sizeof rc);
	rc.vm = s->vm;
	rc.prog = s->prog;
	rc.stack = s->stack;
	rc.budget = UINT64_MAX;
	rc.ctx = mem;
	rc.pkt = mem;
	rc.ctx_size = rc.pkt_size = BENCH_LEN;
	rc.regions[0] = (struct xbpf_region){s->stack, sizeof s->stack, true};
	rc.regions[1] = (struct xbpf_region){mem, BENCH_LEN, true};
	rc.region_cnt = rc.region_fixed = rc.region_next = 2;
	rc.engine = XBPF_ENGINE_JIT;
	uint64_t (*entry)(uint64_t, uint64_t, struct xbpf_run_ctx *) = s->prog->jit_entry;
	uint64_t r0 = 0, t0 = bench_now_ns();
	for (unsigned i = 0; i < reps; i++)
		r0 = entry((uint64_t)(uintptr_t)mem, BENCH_LEN, &rc);
	uint64_t t1 = bench_now_ns();
	if (rc.err || rc.tail_target)
		return -1;
	*ret = r0;
	return (double)(t1 - t0) / reps;
}

static void teardown(void *state)
{
	struct lstate *s = state;
	xbpf_prog__free(s->prog);
	xbpf_vm__free(s->vm);
	free(s);
}

const struct bench_engine bench_eng_xbpf_jitloop = {"xbpf-jit-loop", setup, measure, teardown, 64};
