/* eng_xbpf.c - benchmark engines of xbpf itself. Every program is loaded from its object
 * file (NAME.bpf.o, program NAME_raw) by xbpf's object loader, which creates its maps.
 * The programs are trusted (no runtime memory checks) and marked verified (no stack
 * clearing per run), as after the loader's verification; the kernel's verifier accepts
 * their NAME_tc twins, built from the same C body (eng_kernel.c).
 *   xbpf-interp, xbpf-switch   the interpreter (computed goto / switch)
 *   xbpf-checked               the interpreter with runtime memory checks
 *   xbpf-jit                   the JIT
 * all four timed by xbpf_runner__run_repeat() itself (prepared runs, runner.h: the loop
 * around the program only, as the kernel times BPF_PROG_TEST_RUN's repeat), and
 *   xbpf-jit-call              the bench's loop around xbpf_runner__run (one call a run)
 *   xbpf-jit-run               the bench's loop around xbpf_prog__run (the per-call API
 *                              that sets every run up from its options) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_prog.h"
#include "xbpf/xbpf.h"

enum xmode {
	X_REPEAT,       /* xbpf_runner__run_repeat's own figure (the library's timed loop) */
	X_CALL,         /* the bench's loop around xbpf_runner__run */
	X_PROG_RUN,     /* the bench's loop around xbpf_prog__run */
};

struct xstate {
	struct xbpf_object *obj;
	struct xbpf_prog *prog;
	struct xbpf_runner *runner;
	enum xmode mode;
};

static void teardown(void *state)
{
	struct xstate *s = state;
	xbpf_runner__free(s->runner);
	xbpf_object__close(s->obj);
	free(s);
}

/* Open NAME.bpf.o, load only NAME_raw (with its maps) on `engine`. */
static int load_raw(struct xstate *s, const struct bench_prog *p, enum xbpf_engine engine,
		    uint32_t flags, char *why, size_t size)
{
	char entry[128], log[256] = "";
	snprintf(entry, sizeof entry, "%s_raw", p->name);
	s->obj = xbpf_object__open_file(p->obj_path, NULL);
	if (!s->obj) {
		snprintf(why, size, "open: %s", xbpf_object__last_error());
		return -1;
	}
	struct xbpf_program *want = NULL, *it = NULL;
	while ((it = xbpf_object__next_program(s->obj, it))) {
		bool mine = !strcmp(xbpf_program__name(it), entry);
		xbpf_program__set_autoload(it, mine);
		if (mine)
			want = it;
	}
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true, .prog_flags = flags,
					   .engine = engine, .log_buf = log, .log_size = sizeof log};
	if (!want) {
		snprintf(why, size, "no program %s in %s", entry, p->obj_path);
		return -1;
	}
	if (xbpf_object__load(s->obj, &lo)) {
		snprintf(why, size, "load: %s", log[0] ? log : strerror(errno));
		return -1;
	}
	s->prog = xbpf_program__prog(want);
	return 0;
}

static int setup_engine(const struct bench_prog *p, void **state, char *why, size_t size,
			enum xbpf_engine engine, uint32_t flags, enum xmode mode)
{
	struct xstate *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	/* the bench programs write every stack byte before reading it (they are kernel-
	 * verified), so they run as verified ones do: no stack clearing */
	if (load_raw(s, p, engine, flags | XBPF_PROG_F_VERIFIED, why, size)) {
		teardown(s);
		return -1;
	}
	s->mode = mode;
	if (mode != X_PROG_RUN) {
		struct xbpf_runner_opts ro = {.sz = sizeof ro, .engine = engine};
		s->runner = xbpf_runner__new(s->prog, &ro);
		if (!s->runner) {
			snprintf(why, size, "xbpf_runner__new: %s", strerror(errno));
			teardown(s);
			return -1;
		}
	}
	*state = s;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct xstate *s = state;
	if (s->mode == X_REPEAT) {
		double ns;
		if (xbpf_runner__run_repeat(s->runner, mem, BENCH_LEN, reps, ret, &ns))
			return -1;
		return ns;
	}
	uint64_t t0 = bench_now_ns();
	if (s->mode == X_CALL) {
		for (unsigned i = 0; i < reps; i++)
			if (xbpf_runner__run(s->runner, mem, BENCH_LEN, ret))
				return -1;
	} else {
		struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = BENCH_LEN};
		for (unsigned i = 0; i < reps; i++)
			if (xbpf_prog__run(s->prog, &ro))
				return -1;
		*ret = ro.retval;
	}
	return (double)(bench_now_ns() - t0) / reps;
}

static int setup_interp(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP, XBPF_PROG_F_NO_CHECKS, X_REPEAT);
}
static int setup_switch(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP_SWITCH, XBPF_PROG_F_NO_CHECKS,
			    X_REPEAT);
}
static int setup_checked(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_INTERP, 0, X_REPEAT);
}
static int setup_jit(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_JIT, XBPF_PROG_F_NO_CHECKS, X_REPEAT);
}
static int setup_jit_call(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_JIT, XBPF_PROG_F_NO_CHECKS, X_CALL);
}
static int setup_jit_run(const struct bench_prog *p, void **st, char *why, size_t n)
{
	return setup_engine(p, st, why, n, XBPF_ENGINE_JIT, XBPF_PROG_F_NO_CHECKS, X_PROG_RUN);
}

const struct bench_engine bench_eng_xbpf_interp = {"xbpf-interp", setup_interp, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_switch = {"xbpf-switch", setup_switch, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_checked = {"xbpf-checked", setup_checked, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_jit = {"xbpf-jit", setup_jit, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_jit_call = {"xbpf-jit-call", setup_jit_call, measure, teardown, 64};
const struct bench_engine bench_eng_xbpf_jit_run = {"xbpf-jit-run", setup_jit_run, measure, teardown, 64};
