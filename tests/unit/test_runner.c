/* test_runner.c - prepared runs (include/xbpf/runner.h) on every engine: results equal
 * xbpf_prog__run()'s run after run; the stack clearing rules (unverified programs start
 * every run from a zeroed frame, verified ones keep it); state a run changes (errors,
 * budget, tail calls, helper-added regions) does not leak into the next run; argument
 * errors; run_repeat; the per-thread runner behind xbpf_prog__run (nested runs, a program
 * loaded at a freed one's address).
 */
#include <errno.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"

static const enum xbpf_engine engines[] = {XBPF_ENGINE_INTERP, XBPF_ENGINE_INTERP_SWITCH,
					   XBPF_ENGINE_JIT};
#define NENGINES (sizeof engines / sizeof engines[0])

static char log_buf[512];

/* helper 7: tail call to the program in the run's user pointer */
static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	struct xbpf_prog **target = xbpf_run_ctx__user(rc);
	return (uint64_t)(int64_t)xbpf_run_ctx__tail_call(rc, *target);
}

static uint8_t scratch[64];

/* helper 9: makes `scratch` accessible and returns its address (as map lookups do) */
static uint64_t h_region(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct xbpf_run_ctx *rc)
{
	static unsigned n;
	/* a different size each time, so every call really adds a region */
	size_t size = 8 + (n++ % 32);
	if (xbpf_run_ctx__add_region(rc, scratch, size, true))
		return 0;
	return (uint64_t)(uintptr_t)scratch;
}

/* helper 10: runs the program in the user pointer through xbpf_prog__run on r1's memory
 * (a run nested in a run on the same thread) and returns its r0 + 1000 */
static uint64_t h_nested(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct xbpf_run_ctx *rc)
{
	struct xbpf_prog **inner = xbpf_run_ctx__user(rc);
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = (void *)(uintptr_t)a, .ctx_size = b};
	int err = xbpf_prog__run(*inner, &ro);
	return err ? (uint64_t)(int64_t)err : ro.retval + 1000;
}

static struct xbpf_vm *new_vm(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_CHECK(vm);
	xbpf_vm__register_helper(vm, 7, "tail", h_tail, NULL);
	xbpf_vm__register_helper(vm, 9, "region", h_region, NULL);
	xbpf_vm__register_helper(vm, 10, "nested", h_nested, NULL);
	return vm;
}

static struct xbpf_prog *load_asm(struct xbpf_vm *vm, const char *text, uint32_t flags)
{
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf, .flags = flags,
					.engine = XBPF_ENGINE_JIT};
	struct xbpf_prog *prog = t_load_asm(vm, text, &o);
	T_CHECK(prog != NULL);
	return prog;
}

static struct xbpf_runner *new_runner(struct xbpf_prog *p, enum xbpf_engine e, uint64_t budget,
				      void *user)
{
	struct xbpf_runner_opts o = {.sz = sizeof o, .engine = e, .budget = budget, .user = user,
				     .log_buf = log_buf, .log_size = sizeof log_buf};
	struct xbpf_runner *r = xbpf_runner__new(p, &o);
	T_CHECK(r);
	return r;
}

/* r0 = u32 at ctx[0] * 3 + ctx_size, through a stack slot, and ctx[4] += 1 */
static void test_same_as_prog_run(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm,
		"ldxw %r0, [%r1]\nmul %r0, 3\nstxdw [%r10-16], %r0\nldxdw %r0, [%r10-16]\n"
		"add %r0, %r2\nldxb %r3, [%r1+4]\nadd %r3, 1\nstxb [%r1+4], %r3\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(p, engines[e], 0, NULL);
		T_CHECK(xbpf_runner__prog(r) == p);
		uint8_t a[8] = {1, 2, 0, 0, 9}, b[8] = {1, 2, 0, 0, 9};
		for (unsigned i = 0; i < 20; i++) {
			a[0] = b[0] = (uint8_t)(i * 7);
			size_t len = 5 + i % 3;
			uint64_t r0 = 0;
			struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = b, .ctx_size = len,
						   .engine = engines[e]};
			T_EQ(xbpf_runner__run(r, a, len, &r0), 0);
			T_EQ(xbpf_prog__run(p, &ro), 0);
			T_EQ(r0, ro.retval);
			T_EQ(r0, (uint64_t)(a[0] | a[1] << 8) * 3 + len);
			T_EQ(a[4], b[4]);
		}
		T_EQ(a[4], 9 + 20);
		T_EQ(xbpf_runner__run(r, a, 8, NULL), 0);
		xbpf_runner__free(r);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* Reads a stack slot before writing it: an unverified program sees zero every run; a
 * program marked verified runs on the stack as the last run left it (no clearing). */
static void test_stack_clearing(void)
{
	struct xbpf_vm *vm = new_vm();
	const char *text = "ldxdw %r0, [%r10-8]\nstdw [%r10-8], 42\nexit\n";
	struct xbpf_prog *plain = load_asm(vm, text, XBPF_PROG_F_NO_CHECKS);
	struct xbpf_prog *ver = load_asm(vm, text, XBPF_PROG_F_NO_CHECKS | XBPF_PROG_F_VERIFIED);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(plain, engines[e], 0, NULL);
		struct xbpf_runner *v = new_runner(ver, engines[e], 0, NULL);
		uint64_t r0 = 1;
		for (int i = 0; i < 3; i++) {
			T_EQ(xbpf_runner__run(r, NULL, 0, &r0), 0);
			T_EQ(r0, 0);
		}
		T_EQ(xbpf_runner__run(v, NULL, 0, &r0), 0);
		T_EQ(r0, 0);                  /* the runner's stack starts zeroed */
		T_EQ(xbpf_runner__run(v, NULL, 0, &r0), 0);
		T_EQ(r0, 42);                 /* then is kept */
		xbpf_runner__free(r);
		xbpf_runner__free(v);
	}
	xbpf_prog__free(plain);
	xbpf_prog__free(ver);
	xbpf_vm__free(vm);
}

/* A failed run (memory fault) leaves no trace: the next runs succeed. */
static void test_error_then_ok(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm,
		"mov %r0, 0\njeq %r2, 0, +1\nldxb %r0, [%r1+7]\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(p, engines[e], 0, NULL);
		uint8_t m[8] = {0, 0, 0, 0, 0, 0, 0, 5};
		uint64_t r0 = 0;
		for (int i = 0; i < 3; i++) {
			log_buf[0] = 0;
			T_EQ(xbpf_runner__run(r, m, 4, &r0), -EFAULT);
			T_CONTAINS(log_buf, "out-of-bounds read of 1 bytes");
			T_EQ(xbpf_runner__run(r, m, 8, &r0), 0);
			T_EQ(r0, 5);
			T_EQ(xbpf_runner__run(r, NULL, 0, &r0), 0);
			T_EQ(r0, 0);
		}
		xbpf_runner__free(r);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* The budget applies to every run afresh. */
static void test_budget(void)
{
	struct xbpf_vm *vm = new_vm();
	/* r0 = ctx[0] iterations of a 3-slot loop */
	struct xbpf_prog *p = load_asm(vm,
		"ldxb %r2, [%r1]\nmov %r0, 0\nloop:\njeq %r2, 0, +3\nadd %r0, 1\nsub %r2, 1\n"
		"ja loop\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(p, engines[e], 40, NULL);
		struct xbpf_runner *u = new_runner(p, engines[e], 0, NULL);
		uint8_t m[1] = {5};
		uint64_t r0 = 0;
		for (int i = 0; i < 3; i++) {
			m[0] = 5;
			T_EQ(xbpf_runner__run(r, m, 1, &r0), 0);
			T_EQ(r0, 5);
			m[0] = 100;
			T_EQ(xbpf_runner__run(r, m, 1, &r0), -ETIME);
			T_EQ(xbpf_runner__run(u, m, 1, &r0), 0);
			T_EQ(r0, 100);
		}
		xbpf_runner__free(r);
		xbpf_runner__free(u);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* A tail call switches programs for one run only; the target gets the frame it needs. */
static void test_tail_call(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *target = load_asm(vm,
		"ldxdw %r0, [%r10-8]\nadd %r0, 100\nstdw [%r10-8], 1\nexit\n", 0);
	/* the caller never names r10: its runs have no stack region at all */
	struct xbpf_prog *caller = load_asm(vm,
		"ldxb %r2, [%r1]\njeq %r2, 0, +1\ncall 7\nmov %r0, 7\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(caller, engines[e], 0, &target);
		uint8_t m[1];
		uint64_t r0 = 0;
		for (int i = 0; i < 3; i++) {
			m[0] = 1;
			T_EQ(xbpf_runner__run(r, m, 1, &r0), 0);
			T_EQ(r0, 100);        /* the target's frame was zeroed */
			m[0] = 0;
			T_EQ(xbpf_runner__run(r, m, 1, &r0), 0);
			T_EQ(r0, 7);
		}
		xbpf_runner__free(r);
	}
	xbpf_prog__free(caller);
	xbpf_prog__free(target);
	xbpf_vm__free(vm);
}

/* Regions helpers add are dropped after each run (64 runs would fill the table). */
static void test_helper_regions(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm,
		"call 9\njeq %r0, 0, +3\nldxb %r1, [%r0]\nadd %r1, 1\nstxb [%r0], %r1\n"
		"mov %r0, 1\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(p, engines[e], 0, NULL);
		uint64_t r0 = 0;
		scratch[0] = 0;
		int ok = 0;
		for (int i = 0; i < 200; i++)
			ok += xbpf_runner__run(r, NULL, 0, &r0) == 0 && r0 == 1;
		T_EQ(ok, 200);
		T_EQ(scratch[0], 200 % 256);
		xbpf_runner__free(r);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* The whole stack (every frame) is the run's and starts zeroed for unverified programs:
 * a write into the next frame is not seen by the next run. */
static void test_stack_frames(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm,
		"ldxdw %r0, [%r10+504]\nstdw [%r10+504], 3\nldxdw %r1, [%r10-512]\nadd %r0, %r1\n"
		"stdw [%r10-512], 4\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		struct xbpf_runner *r = new_runner(p, engines[e], 0, NULL);
		struct xbpf_run_opts ro = {.sz = sizeof ro, .engine = engines[e]};
		uint64_t r0 = 1;
		for (int i = 0; i < 3; i++) {
			T_EQ(xbpf_runner__run(r, NULL, 0, &r0), 0);
			T_EQ(r0, 0);
			T_EQ(xbpf_prog__run(p, &ro), 0);
			T_EQ(ro.retval, 0);
		}
		xbpf_runner__free(r);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

static void test_args_and_repeat(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, "ldxb %r0, [%r1]\nadd %r0, 1\nstxb [%r1], %r0\nexit\n", 0);
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_INTERP};
	struct xbpf_insn ret0[2] = {{.code = XBPF_ALU64 | XBPF_MOV | XBPF_K},
				    {.code = XBPF_JMP | XBPF_EXIT}};
	struct xbpf_prog *interp = xbpf_prog__load(vm, ret0, 2, &lo);
	T_CHECK(interp);
	errno = 0;
	T_CHECK(!xbpf_runner__new(NULL, NULL));
	T_EQ(errno, EINVAL);
	struct xbpf_runner_opts bad = {.sz = 1};
	T_CHECK(!xbpf_runner__new(p, &bad));
	struct xbpf_runner_opts jit = {.sz = sizeof jit, .engine = XBPF_ENGINE_JIT};
	errno = 0;
	T_CHECK(!xbpf_runner__new(interp, &jit));   /* not compiled */
	T_EQ(errno, EINVAL);
	struct xbpf_runner_opts cpu = {.sz = sizeof cpu, .cpu = XBPF_MAX_CPUS};
	T_CHECK(!xbpf_runner__new(p, &cpu));
	T_EQ(xbpf_runner__run_repeat(NULL, NULL, 0, 1, NULL, NULL), -EINVAL);
	struct xbpf_runner *r = xbpf_runner__new(interp, NULL);  /* defaults: the prog's engine */
	T_CHECK(r);
	uint64_t r0 = 1;
	T_EQ(xbpf_runner__run(r, NULL, 0, &r0), 0);
	T_EQ(r0, 0);
	xbpf_runner__free(r);
	xbpf_runner__free(NULL);
	for (unsigned e = 0; e < NENGINES; e++) {
		r = new_runner(p, engines[e], 0, NULL);
		uint8_t m[1] = {0};
		double ns = -1;
		T_EQ(xbpf_runner__run_repeat(r, m, 1, 1000, &r0, &ns), 0);
		T_EQ(m[0], 1000 % 256);
		T_EQ(r0, 1000 % 256);
		T_CHECK(ns >= 0);
		T_EQ(xbpf_runner__run_repeat(r, NULL, 0, 5, &r0, &ns), -EFAULT);
		xbpf_runner__free(r);
	}
	/* the runner keeps its program alive */
	r = new_runner(p, XBPF_ENGINE_JIT, 0, NULL);
	xbpf_prog__free(p);
	uint8_t m[1] = {41};
	T_EQ(xbpf_runner__run(r, m, 1, &r0), 0);
	T_EQ(r0, 42);
	xbpf_runner__free(r);
	xbpf_prog__free(interp);
	xbpf_vm__free(vm);
}

/* xbpf_prog__run reuses a per-thread run context: a run nested in another (a helper that
 * runs a program) gets its own, and a program loaded where a freed one was is not taken
 * for it. */
static void test_prog_run_cache(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *inner = load_asm(vm,
		"ldxb %r0, [%r1]\nstdw [%r10-8], 5\nldxdw %r2, [%r10-8]\nadd %r0, %r2\nexit\n", 0);
	struct xbpf_prog *outer = load_asm(vm,
		"stdw [%r10-8], 7\nmov %r6, %r1\ncall 10\nldxdw %r1, [%r10-8]\nadd %r0, %r1\n"
		"ldxb %r1, [%r6]\nadd %r0, %r1\nexit\n", 0);
	for (unsigned e = 0; e < NENGINES; e++) {
		uint8_t m[4] = {3};
		struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = m, .ctx_size = 4,
					   .engine = engines[e], .user = &inner};
		for (int i = 0; i < 3; i++) {
			T_EQ(xbpf_prog__run(outer, &ro), 0);
			T_EQ(ro.retval, 3 + 5 + 1000 + 7 + 3);
			struct xbpf_run_opts ri = {.sz = sizeof ri, .ctx = m, .ctx_size = 4,
						   .engine = engines[e]};
			T_EQ(xbpf_prog__run(inner, &ri), 0);
			T_EQ(ri.retval, 8);
		}
	}
	xbpf_prog__free(outer);
	xbpf_prog__free(inner);
	/* load, run, free, load another (often at the same address), run */
	for (int i = 0; i < 20; i++) {
		char text[64];
		snprintf(text, sizeof text, "mov %%r0, %d\nexit\n", i);
		struct xbpf_prog *p = load_asm(vm, text, 0);
		struct xbpf_run_opts ro = {.sz = sizeof ro, .engine = XBPF_ENGINE_JIT};
		T_EQ(xbpf_prog__run(p, &ro), 0);
		T_EQ(ro.retval, i);
		xbpf_prog__free(p);
	}
	xbpf_vm__free(vm);
}

T_MAIN(test_prog_run_cache, test_same_as_prog_run, test_stack_clearing, test_error_then_ok, test_budget,
       test_tail_call, test_helper_regions, test_stack_frames, test_args_and_repeat)
