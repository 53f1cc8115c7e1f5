/* eng_xbpf.c - benchmark engines of xbpf itself: the interpreter with computed-goto and
 * with switch dispatch (trusted: no runtime memory checks, as after verification), the
 * interpreter with runtime checks on, and the JIT (reports n/a until it exists). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_prog.h"
#include "xbpf/xbpf.h"

struct xstate {
	struct xbpf_vm *vm;
	struct xbpf_prog *prog;
};

static int setup_engine(const struct bench_prog *p, void **state, char *why, size_t size,
			enum xbpf_engine engine, uint32_t flags)
{
	struct xstate *s = calloc(1, sizeof *s);
	if (!s || !(s->vm = xbpf_vm__new(NULL))) {
		snprintf(why, size, "xbpf_vm__new: %s", strerror(errno));
		free(s);
		return -1;
	}
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log,
					 .flags = flags, .engine = engine, .name = p->name};
	s->prog = xbpf_prog__load(s->vm, p->insns, p->insn_cnt, &lo);
	if (!s->prog) {
		snprintf(why, size, "%s", log[0] ? log : strerror(errno));
		xbpf_vm__free(s->vm);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct xstate *s = state;
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = BENCH_LEN};
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < reps; i++)
		if (xbpf_prog__run(s->prog, &ro))
			return -1;
	*ret = ro.retval;
	return (double)(bench_now_ns() - t0) / reps;
}

static void teardown(void *state)
{
	struct xstate *s = state;
	xbpf_prog__free(s->prog);
	xbpf_vm__free(s->vm);
	free(s);
}

static int setup_interp(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP, XBPF_PROG_F_NO_CHECKS);
}
static int setup_switch(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP_SWITCH, XBPF_PROG_F_NO_CHECKS);
}
static int setup_checked(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP, 0);
}
static int setup_jit(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_JIT, XBPF_PROG_F_NO_CHECKS);
}

const struct bench_engine bench_eng_xbpf_interp = {"xbpf-interp", setup_interp, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_switch = {"xbpf-switch", setup_switch, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_checked = {"xbpf-checked", setup_checked, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_jit = {"xbpf-jit", setup_jit, measure, teardown, 64};
