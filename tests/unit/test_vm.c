/* test_vm.c - the VM core through its C API: helper registry, load errors, runtime memory
 * checks (on and off), the instruction budget, call depth, tail calls and callbacks from
 * helpers, multi-threaded runs of one program, LD_ABS/LD_IND, run-ctx regions, and every
 * opcode family on both dispatch modes (computed goto and switch) and the JIT, checked and
 * unchecked. Programs are loaded with the JIT engine so a run may pick any of the three.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"
#include "xbpf/map.h"
#include "vm/vm_internal.h"

static char log_buf[512];

static const enum xbpf_engine engines[] = {XBPF_ENGINE_INTERP, XBPF_ENGINE_INTERP_SWITCH,
					   XBPF_ENGINE_JIT};
#define NENGINES (sizeof engines / sizeof engines[0])
#define FOR_ENGINES(e) \
	for (unsigned e##_i = 0; e##_i < NENGINES && ((e = engines[e##_i]), 1); e##_i++)

/* ---- helpers the tests register ---------------------------------------------------------- */

static uint64_t h_identity(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct xbpf_run_ctx *rc)
{
	return a;
}

static uint64_t h_sum5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	return a + b + c + d + e;
}

/* helper 7: tail call to the program in the run's user pointer */
static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	struct xbpf_prog **target = xbpf_run_ctx__user(rc);
	return (uint64_t)(int64_t)xbpf_run_ctx__tail_call(rc, *target);
}

/* helper 8: bpf_loop-like: calls fn(i, ctx) for i < n and sums the results */
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t ctx, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	uint64_t sum = 0, r;
	for (uint64_t i = 0; i < n; i++) {
		int err = xbpf_run_ctx__call(rc, fn, i, ctx, 0, 0, 0, &r);
		if (err)
			return (uint64_t)(int64_t)err;
		sum += r;
	}
	return sum;
}

/* helper 9: reports the dispatch that runs the program: 1 switch, 2 goto */
static uint64_t h_dispatch(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct xbpf_run_ctx *rc)
{
	return !strcmp(rc->dispatch, "switch") ? 1 : !strcmp(rc->dispatch, "goto") ? 2 : 0;
}

/* helper 10: returns a pointer to a static buffer; a1 = 1 also registers it as a region */
static uint64_t buffer10[4] = {0x1111, 0x2222, 0x3333, 0x4444};
static uint64_t h_buffer(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct xbpf_run_ctx *rc)
{
	if (a)
		xbpf_run_ctx__add_region(rc, buffer10, sizeof buffer10, true);
	return (uint64_t)(uintptr_t)buffer10;
}

/* helper 11: a helper that fails the run */
static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	vm_error(rc, EPERM, "helper 11 refused (arg %llu)", (unsigned long long)a);
	return 0;
}

/* helper 12: cpu + 1000 * (user != NULL) + checks of the accessors */
static uint64_t h_info(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	uint64_t ok = xbpf_run_ctx__vm(rc) != NULL && xbpf_run_ctx__prog(rc) != NULL;
	ok &= xbpf_run_ctx__check(rc, a, 8, true);  /* a: the ctx pointer */
	ok &= !xbpf_run_ctx__check(rc, a + 4096, 8, false);
	return xbpf_run_ctx__cpu(rc) + 1000 * (xbpf_run_ctx__user(rc) != NULL) + 10000 * ok;
}

static struct xbpf_vm *new_vm(void)
{
	struct xbpf_vm_opts o = {.sz = sizeof o, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&o);
	T_CHECK(vm != NULL);
	xbpf_vm__register_helper(vm, 5, "identity", h_identity, NULL);
	xbpf_vm__register_helper(vm, 6, "sum5", h_sum5, NULL);
	xbpf_vm__register_helper(vm, 7, "tail", h_tail, NULL);
	xbpf_vm__register_helper(vm, 8, "loop", h_loop, NULL);
	xbpf_vm__register_helper(vm, 9, "dispatch", h_dispatch, NULL);
	xbpf_vm__register_helper(vm, 10, "buffer", h_buffer, NULL);
	xbpf_vm__register_helper(vm, 11, "fail", h_fail, NULL);
	xbpf_vm__register_helper(vm, 12, "info", h_info, NULL);
	return vm;
}

/* Assemble (ubpf syntax) and load with flags; NULL on failure (reported). */
static struct xbpf_prog *load_asm(struct xbpf_vm *vm, const char *text, uint32_t flags)
{
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf, .flags = flags,
					.engine = XBPF_ENGINE_JIT};
	struct xbpf_prog *prog = t_load_asm(vm, text, &o);
	T_CHECK(prog != NULL);
	return prog;
}

/* Run on mem with an engine; returns the run's result, r0 in *r0. */
static int run_on(struct xbpf_prog *prog, enum xbpf_engine e, void *mem, size_t len,
		  uint64_t budget, uint64_t *r0)
{
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = len, .budget = budget,
				  .engine = e, .log_buf = log_buf, .log_size = sizeof log_buf};
	int err = xbpf_prog__run(prog, &o);
	*r0 = o.retval;
	return err;
}

/* ---- helper registry and VM -------------------------------------------------------------- */

static void test_helper_registry(void)
{
	struct xbpf_vm_opts o = {.sz = sizeof o, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&o);
	T_CHECK(xbpf_vm__helper_name(vm, 1) == NULL);
	T_EQ(xbpf_vm__helper_id(vm, "map_lookup_elem"), -ENOENT);
	T_EQ(xbpf_vm__register_helper(vm, 1, "bpf_map_lookup_elem", h_identity, NULL), 0);
	T_EQ(xbpf_vm__helper_id(vm, "map_lookup_elem"), 1);
	T_EQ(xbpf_vm__helper_id(vm, "bpf_map_lookup_elem"), 1);
	T_STREQ(xbpf_vm__helper_name(vm, 1), "bpf_map_lookup_elem");
	const struct xbpf_helper_proto *p = xbpf_vm__helper_proto(vm, 1);
	T_CHECK(p && p->ret == XBPF_RET_INTEGER && p->args[0] == XBPF_ARG_ANYTHING &&
		p->args[4] == XBPF_ARG_ANYTHING);
	struct xbpf_helper_proto proto = {.ret = XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL,
					  .args = {XBPF_ARG_CONST_MAP_PTR, XBPF_ARG_PTR_TO_MAP_KEY}};
	T_EQ(xbpf_vm__register_helper(vm, 1, "lookup", h_sum5, &proto), 0); /* replace */
	T_STREQ(xbpf_vm__helper_name(vm, 1), "lookup");
	T_EQ(xbpf_vm__helper_proto(vm, 1)->args[1], XBPF_ARG_PTR_TO_MAP_KEY);
	T_EQ(xbpf_vm__helper_id(vm, "map_lookup_elem"), -ENOENT);
	T_EQ(xbpf_vm__register_helper(vm, XBPF_MAX_HELPER_ID, "x", h_sum5, NULL), -EINVAL);
	T_EQ(xbpf_vm__register_helper(vm, 2, "x", NULL, NULL), -EINVAL);
	T_EQ(xbpf_vm__register_helper(vm, 2, NULL, h_sum5, NULL), -EINVAL);
	T_EQ(xbpf_vm__register_helper(NULL, 2, "x", h_sum5, NULL), -EINVAL);
	T_CHECK(xbpf_vm__helper_proto(vm, 5000) == NULL);
	/* a program can call a helper registered before its load */
	struct xbpf_prog *prog = load_asm(vm, "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\n"
					  "mov %r5, 5\ncall 1\nexit\n", 0);
	uint64_t r0 = 0;
	T_EQ(xbpf_prog__exec(prog, NULL, 0, &r0), 0);
	T_EQ(r0, 15);
	xbpf_prog__free(prog);
	xbpf_vm__free(vm);
	/* default VM (with built-in helpers when the helpers module is linked) works */
	vm = xbpf_vm__new(NULL);
	T_CHECK(vm != NULL);
	xbpf_vm__free(vm);
	struct xbpf_vm_opts bad = {.sz = sizeof bad, .engine = (enum xbpf_engine)9};
	errno = 0;
	T_CHECK(xbpf_vm__new(&bad) == NULL);
	T_EQ(errno, EINVAL);
}

static int count_prints;
static int test_print(enum xbpf_print_level level, const char *fmt, va_list ap)
{
	count_prints++;
	return 0;
}

static void test_print_callback(void)
{
	xbpf_print_fn_t old = xbpf_set_print(test_print);
	T_CHECK(old != NULL);
	T_CHECK(xbpf_set_print(old) == test_print);
	T_CHECK(xbpf_set_print(NULL) == old);
	xbpf_set_print(old);
}

static void test_load_errors(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_insn bad[] = {{0xb7, 0, 0, 0, 0}, {0x05, 0, 0, 100, 0}, {0x95, 0, 0, 0, 0}};
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf};
	errno = 0;
	T_CHECK(xbpf_prog__load(vm, bad, 3, &o) == NULL);
	T_EQ(errno, EINVAL);
	T_STREQ(log_buf, "insn 1 (ja +100): jump out of range (target 102, program has 3 "
		"instructions)");
	/* an older caller's opts struct (sz covering only log_buf/log_size) is accepted */
	struct xbpf_prog_load_opts old = {.sz = offsetof(struct xbpf_prog_load_opts, flags),
					  .log_buf = log_buf, .log_size = sizeof log_buf,
					  .flags = 12345};
	struct xbpf_insn ok[] = {{0xb7, 0, 0, 0, 3}, {0x95, 0, 0, 0, 0}};
	struct xbpf_prog *prog = xbpf_prog__load(vm, ok, 2, &old);
	T_CHECK(prog != NULL);
	uint64_t r0;
	T_EQ(xbpf_prog__exec(prog, NULL, 0, &r0), 0);
	T_EQ(r0, 3);
	T_STREQ(xbpf_prog__name(prog), "");
	T_CHECK(xbpf_prog__vm(prog) == vm);
	xbpf_prog__free(prog);
	xbpf_vm__free(vm);
}

/* ---- memory checks -------------------------------------------------------------------- */

static void test_memory_checks(void)
{
	struct xbpf_vm *vm = new_vm();
	uint8_t mem[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct xbpf_prog *in = load_asm(vm, "ldxw %r0, [%r1+12]\nexit\n", 0);
	struct xbpf_prog *out = load_asm(vm, "ldxw %r0, [%r1+13]\nexit\n", 0);
	struct xbpf_prog *wr = load_asm(vm, "stdw [%r1+16], 1\nmov %r0, 0\nexit\n", 0);
	struct xbpf_prog *stk = load_asm(vm, "stdw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit\n", 0);
	struct xbpf_prog *stk_out = load_asm(vm, "ldxdw %r0, [%r10+3584]\nexit\n", 0);
	struct xbpf_prog *null = load_asm(vm, "mov %r1, 0\nldxb %r0, [%r1]\nexit\n", 0);
	/* the stack starts zeroed; [r10] is the (unused) next frame, still stack memory */
	struct xbpf_prog *fresh = load_asm(vm, "ldxdw %r0, [%r10-512]\nexit\n", 0);
	struct xbpf_prog *above = load_asm(vm, "ldxdw %r0, [%r10]\nexit\n", 0);
	struct xbpf_prog *used = load_asm(vm, "call local f\nldxdw %r0, [%r10+504]\nexit\n"
					  "f:\nstdw [%r10-8], 9\nexit\n", 0);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		T_EQ(run_on(in, e, mem, sizeof mem, 0, &r0), 0);
		T_EQ(r0, 0x100f0e0d);
		T_EQ(run_on(out, e, mem, sizeof mem, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "insn 0 (ldxw %r0, [%r1+13]): out-of-bounds read of 4 bytes at 0x");
		T_EQ(run_on(wr, e, mem, sizeof mem, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "insn 0 (stdw [%r1+16], 1): out-of-bounds write of 8 bytes");
		T_EQ(run_on(stk, e, mem, sizeof mem, 0, &r0), 0);
		T_EQ(r0, 7);
		T_EQ(run_on(stk_out, e, mem, sizeof mem, 0, &r0), -EFAULT);
		T_EQ(run_on(null, e, mem, sizeof mem, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "out-of-bounds read of 1 bytes at 0x0");
		T_EQ(run_on(fresh, e, mem, sizeof mem, 0, &r0), 0);
		T_EQ(r0, 0);
		T_EQ(run_on(above, e, mem, sizeof mem, 0, &r0), 0);
		T_EQ(r0, 0);
		T_EQ(run_on(used, e, mem, sizeof mem, 0, &r0), 0);
		T_EQ(r0, 9);
	}
	xbpf_prog__free(fresh);
	xbpf_prog__free(above);
	xbpf_prog__free(used);
	xbpf_prog__free(in);
	xbpf_prog__free(out);
	xbpf_prog__free(wr);
	xbpf_prog__free(stk);
	xbpf_prog__free(stk_out);
	xbpf_prog__free(null);
	xbpf_vm__free(vm);
}

static void test_readonly_and_extra_regions(void)
{
	struct xbpf_vm *vm = new_vm();
	uint8_t pkt[8] = {0xaa, 0xbb}, extra[8] = {0x42};
	struct xbpf_prog *rd = load_asm(vm, "ldxb %r0, [%r1]\nexit\n", 0);
	struct xbpf_prog *wr = load_asm(vm, "stb [%r1], 1\nldxb %r0, [%r1]\nexit\n", 0);
	enum xbpf_engine e;
	FOR_ENGINES(e) {
		/* ctx is the xbpf_md-like pointer to pkt, pkt is read-only */
		struct xbpf_run_opts o = {.sz = sizeof o, .ctx = pkt, .ctx_size = 0, .pkt = pkt,
					  .pkt_size = sizeof pkt, .engine = e, .log_buf = log_buf,
					  .log_size = sizeof log_buf};
		T_EQ(xbpf_prog__run(rd, &o), 0);
		T_EQ(o.retval, 0xaa);
		T_EQ(xbpf_prog__run(wr, &o), -EFAULT);
		T_CONTAINS(log_buf, "read-only memory: write of 1 bytes");
		/* a caller region */
		struct xbpf_region reg = {extra, sizeof extra, true};
		struct xbpf_run_opts x = {.sz = sizeof x, .ctx = extra, .regions = &reg,
					  .region_cnt = 1, .engine = e};
		T_EQ(xbpf_prog__run(wr, &x), 0);
		T_EQ(x.retval, 1);
		x.region_cnt = 0;
		T_EQ(xbpf_prog__run(wr, &x), -EFAULT);
		x.region_cnt = 17;
		T_EQ(xbpf_prog__run(wr, &x), -EINVAL);
	}
	xbpf_prog__free(rd);
	xbpf_prog__free(wr);
	xbpf_vm__free(vm);
}

static void test_checks_off(void)
{
	struct xbpf_vm *vm = new_vm();
	/* a pointer from a helper that did not register it: checked runs fault, trusted
	 * (NO_CHECKS) runs read it; registering it with add_region makes checked runs work */
	const char *text = "mov %r1, 0\ncall 10\nldxdw %r0, [%r0+8]\nexit\n";
	const char *text_reg = "mov %r1, 1\ncall 10\nldxdw %r0, [%r0+8]\nexit\n";
	struct xbpf_prog *checked = load_asm(vm, text, 0);
	struct xbpf_prog *trusted = load_asm(vm, text, XBPF_PROG_F_NO_CHECKS);
	struct xbpf_prog *reg = load_asm(vm, text_reg, 0);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		T_EQ(run_on(checked, e, NULL, 0, 0, &r0), -EFAULT);
		T_EQ(run_on(trusted, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 0x2222);
		T_EQ(run_on(reg, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 0x2222);
	}
	xbpf_prog__free(checked);
	xbpf_prog__free(trusted);
	xbpf_prog__free(reg);
	xbpf_vm__free(vm);
}

static void test_add_region_recycles(void)
{
	struct xbpf_run_ctx rc;
	memset(&rc, 0, sizeof rc);
	static uint8_t bufs[VM_MAX_REGIONS + 4][8];
	rc.region_cnt = rc.region_fixed = rc.region_next = 3;
	int enospc = 0;
	for (int i = 0; i < VM_MAX_REGIONS + 4; i++)
		enospc += xbpf_run_ctx__add_region(&rc, bufs[i], 8, false) == -ENOSPC;
	T_EQ(enospc, 7);
	T_EQ(rc.region_cnt, VM_MAX_REGIONS);
	/* the newest are known, the oldest dynamic ones recycled, writes refused */
	T_CHECK(xbpf_run_ctx__check(&rc, (uintptr_t)bufs[VM_MAX_REGIONS + 3], 8, false));
	T_CHECK(!xbpf_run_ctx__check(&rc, (uintptr_t)bufs[VM_MAX_REGIONS + 3], 8, true));
	T_CHECK(!xbpf_run_ctx__check(&rc, (uintptr_t)bufs[0], 8, false));
	T_CHECK(!xbpf_run_ctx__check(&rc, (uintptr_t)bufs[VM_MAX_REGIONS + 3] + 1, 8, false));
	T_EQ(xbpf_run_ctx__add_region(&rc, NULL, 8, false), -EINVAL);
}

/* ---- budget, depth, tail calls, callbacks, helper errors ---------------------------------- */

static void test_budget(void)
{
	struct xbpf_vm *vm = new_vm();
	/* 1 + 10 * 2 + 1 = 22 slots */
	struct xbpf_prog *loop = load_asm(vm, "mov %r0, 0\nl: add %r0, 1\njlt %r0, 10, l\nexit\n", 0);
	struct xbpf_prog *forever = load_asm(vm, "l: ja l\n", 0);
	/* lddw is two slots, a helper call one: 2 + 1 + 1 = 4 */
	struct xbpf_prog *straight = load_asm(vm, "lddw %r1, 0x100000000\ncall 5\nexit\n", 0);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		T_EQ(run_on(loop, e, NULL, 0, 22, &r0), 0);
		T_EQ(r0, 10);
		T_EQ(run_on(loop, e, NULL, 0, 21, &r0), -ETIME);
		T_CONTAINS(log_buf, "instruction budget exhausted");
		T_EQ(run_on(loop, e, NULL, 0, 0, &r0), 0);
		T_EQ(run_on(forever, e, NULL, 0, 100000, &r0), -ETIME);
		T_CONTAINS(log_buf, "insn 0 (ja -1): instruction budget exhausted");
		T_EQ(run_on(straight, e, NULL, 0, 4, &r0), 0);
		T_EQ(r0, 0x100000000ull);
		T_EQ(run_on(straight, e, NULL, 0, 3, &r0), -ETIME);
	}
	xbpf_prog__free(loop);
	xbpf_prog__free(forever);
	xbpf_prog__free(straight);
	xbpf_vm__free(vm);
}

static void test_call_depth(void)
{
	struct xbpf_vm *vm = new_vm();
	/* a callee that clobbers r6-r9 and its own stack slot: the caller's survive */
	const char *rec =
		"mov %r6, 66\nmov %r9, 99\nmov %r1, %r0\ncall local f\n"
		"jne %r6, 66, bad\njne %r9, 99, bad\nexit\nbad:\nmov %r0, -1\nexit\n"
		"f:\nstxdw [%r10-8], %r1\nmov %r6, 0\nmov %r9, 0\njeq %r1, 0, leaf\n"
		"sub %r1, 1\ncall local f\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\n"
		"leaf:\nmov %r0, 0\nexit\n";
	struct xbpf_prog *p = load_asm(vm, rec, 0);
	struct xbpf_prog *inf = load_asm(vm, "call local f\nexit\nf:\ncall local f\nexit\n", 0);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		struct xbpf_run_opts o = {.sz = sizeof o, .engine = e, .log_buf = log_buf,
					  .log_size = sizeof log_buf};
		T_EQ(xbpf_prog__run(p, &o), 0);
		T_EQ(o.retval, 0);
		T_EQ(run_on(inf, e, NULL, 0, 0, &r0), -E2BIG);
		T_CONTAINS(log_buf, "insn 2 (call local -1): call depth exceeds 8 frames");
	}
	xbpf_prog__free(p);
	xbpf_prog__free(inf);
	/* depth n: main + n nested calls; 7 nested calls fit in 8 frames, 8 do not */
	for (int n = 6; n <= 8; n++) {
		char text[512];
		snprintf(text, sizeof text,
			 "mov %%r1, %d\ncall local f\nexit\n"
			 "f:\nstxdw [%%r10-8], %%r1\njeq %%r1, 0, leaf\nsub %%r1, 1\ncall local f\n"
			 "ldxdw %%r1, [%%r10-8]\nadd %%r0, %%r1\nexit\nleaf:\nmov %%r0, 0\nexit\n", n - 1);
		struct xbpf_prog *d = load_asm(vm, text, 0);
		FOR_ENGINES(e) {
			int err = run_on(d, e, NULL, 0, 0, &r0);
			if (n <= 7) {
				T_EQ(err, 0);
				T_EQ(r0, (uint64_t)(n - 1) * n / 2);
			} else {
				T_EQ(err, -E2BIG);
			}
		}
		xbpf_prog__free(d);
	}
	xbpf_vm__free(vm);
}

static void test_tail_calls(void)
{
	struct xbpf_vm *vm = new_vm();
	/* target: returns ctx[0] + 100 */
	struct xbpf_prog *target = load_asm(vm, "ldxb %r0, [%r1]\nadd %r0, 100\nexit\n", 0);
	/* caller: tail-calls the target; on failure returns 7 */
	struct xbpf_prog *caller = load_asm(vm, "mov %r6, %r1\ncall 7\nmov %r0, 7\nexit\n", 0);
	/* self: tail-calls itself until the limit, then returns ctx[0] */
	struct xbpf_prog *self = load_asm(vm,
		"ldxb %r2, [%r1]\nadd %r2, 1\nstxb [%r1], %r2\ncall 7\n"
		"lddw %r1, 0\nmov %r0, %r1\nexit\n", 0);
	enum xbpf_engine e;
	FOR_ENGINES(e) {
		uint8_t mem[1] = {5};
		struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = 1, .user = &target,
					  .engine = e};
		T_EQ(xbpf_prog__run(caller, &o), 0);
		T_EQ(o.retval, 105);
		mem[0] = 0;
		struct xbpf_prog *me = self;
		struct xbpf_run_opts s = {.sz = sizeof s, .ctx = mem, .ctx_size = 1, .user = &me,
					  .engine = e};
		T_EQ(xbpf_prog__run(self, &s), 0);
		T_EQ(s.retval, 0);
		/* 1 first run + XBPF_MAX_TAIL_CALLS tail calls */
		T_EQ(mem[0], 1 + XBPF_MAX_TAIL_CALLS);
	}
	xbpf_prog__free(target);
	xbpf_prog__free(caller);
	xbpf_prog__free(self);
	xbpf_vm__free(vm);
}

static void test_tail_call_stack(void)
{
	/* A program that never names r10 runs on an uncleared stack; a program it tail-calls
	 * that reads its stack still starts on a zeroed one (0 on every engine, whatever an
	 * earlier run left there). */
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *dirty = load_asm(vm, "stdw [%r10-8], 0x55\nmov %r0, 1\nexit\n", 0);
	struct xbpf_prog *target = load_asm(vm, "ldxdw %r0, [%r10-8]\nexit\n", 0);
	struct xbpf_prog *caller = load_asm(vm, "call 7\nmov %r0, 7\nexit\n",
					    XBPF_PROG_F_NO_CHECKS);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		T_EQ(run_on(dirty, e, NULL, 0, 0, &r0), 0);
		struct xbpf_run_opts o = {.sz = sizeof o, .user = &target, .engine = e};
		T_EQ(xbpf_prog__run(caller, &o), 0);
		T_EQ(o.retval, 0);
		T_EQ(run_on(target, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 0);
	}
	xbpf_prog__free(dirty);
	xbpf_prog__free(target);
	xbpf_prog__free(caller);
	xbpf_vm__free(vm);
}

static void test_callbacks(void)
{
	struct xbpf_vm *vm = new_vm();
	/* sum over i < 5 of cb(i, 3) where cb(i, c) = i * 2 + c, with its own stack frame */
	const char *text =
		"stdw [%r10-8], 1000\nmov %r1, 5\nlddw %r2, func(cb)\nmov %r3, 3\ncall 8\n"
		"ldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\n"
		"cb:\nstdw [%r10-8], 77\nmov %r0, %r1\nmul %r0, 2\nadd %r0, %r2\nexit\n";
	struct xbpf_prog *p = load_asm(vm, text, 0);
	/* calling something that is not a function value fails the helper */
	struct xbpf_prog *bad = load_asm(vm, "mov %r1, 1\nmov %r2, 3\ncall 8\nexit\n", 0);
	/* a callback that faults fails the whole run */
	struct xbpf_prog *fault = load_asm(vm, "mov %r1, 2\nlddw %r2, func(cb)\ncall 8\nexit\n"
					   "cb:\nldxdw %r0, [%r1]\nexit\n", 0);
	enum xbpf_engine e;
	uint64_t r0;
	FOR_ENGINES(e) {
		T_EQ(run_on(p, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 1000 + 20 + 15);
		T_EQ(run_on(bad, e, NULL, 0, 0, &r0), -EINVAL);
		T_CONTAINS(log_buf, "callback: 0x3 is not a function");
		T_EQ(run_on(fault, e, NULL, 0, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "insn 5 (ldxdw %r0, [%r1]): out-of-bounds read");
		/* the budget covers callbacks */
		T_EQ(run_on(p, e, NULL, 0, 34, &r0), 0); /* 6 + 5 * 5 + 3 slots */
		T_EQ(run_on(p, e, NULL, 0, 33, &r0), -ETIME);
	}
	xbpf_prog__free(p);
	xbpf_prog__free(bad);
	xbpf_prog__free(fault);
	xbpf_vm__free(vm);
}

static void test_helper_errors_and_info(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, "mov %r1, 42\ncall 11\nmov %r0, 1\nexit\n", 0);
	struct xbpf_insn ret9[] = {{0xb7, 0, 0, 0, 9}, {0x95, 0, 0, 0, 0}};
	struct xbpf_prog_load_opts io = {.sz = sizeof io, .engine = XBPF_ENGINE_INTERP};
	struct xbpf_prog *interp_only = xbpf_prog__load(vm, ret9, 2, &io);
	struct xbpf_prog *info = load_asm(vm, "call 12\nexit\n", 0);
	struct xbpf_prog *cx = load_asm(vm, "mov %r1, 4\nmov %r2, 6\ncall %r2\nexit\n", 0);
	struct xbpf_prog *cxbad = load_asm(vm, "mov %r2, 600\ncallx %r2\nexit\n", 0);
	enum xbpf_engine e;
	uint64_t r0, mem[2];
	FOR_ENGINES(e) {
		T_EQ(run_on(p, e, NULL, 0, 0, &r0), -EPERM);
		T_STREQ(log_buf, "helper 11 refused (arg 42)");
		struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = sizeof mem,
					  .cpu = 3, .user = &r0, .engine = e};
		T_EQ(xbpf_prog__run(info, &o), 0);
		T_EQ(o.retval, 11003);
		o.cpu = XBPF_MAX_CPUS;
		T_EQ(xbpf_prog__run(info, &o), -EINVAL);
		T_EQ(run_on(cx, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 4 + 6);
		T_EQ(run_on(cxbad, e, NULL, 0, 0, &r0), -EINVAL);
		T_CONTAINS(log_buf, "insn 1 (");
		T_CONTAINS(log_buf, "callx to unknown helper 600");
	}
	T_EQ(xbpf_prog__run(NULL, NULL), -EINVAL);
	struct xbpf_run_opts o = {.sz = sizeof o, .engine = XBPF_ENGINE_JIT, .log_buf = log_buf,
				  .log_size = sizeof log_buf};
	T_EQ(xbpf_prog__run(interp_only, &o), -ENOTSUP);
	T_CONTAINS(log_buf, "was not JIT-compiled");
	xbpf_prog__free(interp_only);
	xbpf_prog__free(p);
	xbpf_prog__free(info);
	xbpf_prog__free(cx);
	xbpf_prog__free(cxbad);
	xbpf_vm__free(vm);
}

static void test_dispatch_modes(void)
{
	/* The switch engine really runs the switch build. */
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, "call 9\nexit\n", 0);
	uint64_t r0;
	T_EQ(run_on(p, XBPF_ENGINE_INTERP_SWITCH, NULL, 0, 0, &r0), 0);
	T_EQ(r0, 1);
	T_EQ(run_on(p, XBPF_ENGINE_INTERP, NULL, 0, 0, &r0), 0);
#if defined(__GNUC__) && !defined(XBPF_DISPATCH_SWITCH_ONLY)
	T_EQ(r0, 2);
#endif
	/* the program's engine is the default of a run */
	struct xbpf_insn insns[] = {{0x85, 0, 0, 0, 9}, {0x95, 0, 0, 0, 0}};
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .engine = XBPF_ENGINE_INTERP_SWITCH};
	struct xbpf_prog *ps = xbpf_prog__load(vm, insns, 2, &o);
	T_EQ(xbpf_prog__exec(ps, NULL, 0, &r0), 0);
	T_EQ(r0, 1);
	xbpf_prog__free(ps);
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

static void test_jit_load(void)
{
	/* JIT load: works when the JIT exists, else fails cleanly with its message. */
	struct xbpf_vm *vm = new_vm();
	struct xbpf_insn insns[] = {{0xb7, 0, 0, 0, 9}, {0x95, 0, 0, 0, 0}};
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .engine = XBPF_ENGINE_JIT,
					.log_buf = log_buf, .log_size = sizeof log_buf};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, 2, &o);
	if (p) {
		uint64_t r0 = 0;
		T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
		T_EQ(r0, 9);
	} else {
		T_EQ(errno, ENOTSUP);
		T_CHECK(log_buf[0] != '\0');
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* ---- LD_ABS / LD_IND -------------------------------------------------------------------- */

static void test_ld_abs_ind(void)
{
	struct xbpf_vm *vm = new_vm();
	uint8_t pkt[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	struct t { const char *text; uint64_t want; } cases[] = {
		{"ldabsw 2\nexit\n", 0x33445566},
		{"ldabsh 6\nexit\n", 0x7788},
		{"ldabsb 7\nexit\n", 0x88},
		{"mov %r3, 3\nldindw %r3, 1\nexit\n", 0x55667788},
		{"mov %r3, 5\nldindh %r3, -1\nexit\n", 0x5566},
		{"mov %r3, 1\nldindb %r3, 0\nexit\n", 0x22},
		/* out of bounds: the program ends with r0 = 0 */
		{"mov %r0, 99\nldabsw 5\nmov %r0, 7\nexit\n", 0},
		{"mov %r0, 99\nldabsb 8\nmov %r0, 7\nexit\n", 0},
		{"mov %r0, 99\nmov %r3, -1\nldindb %r3, 0\nmov %r0, 7\nexit\n", 0},
		{"mov %r0, 99\nldabsb -1\nmov %r0, 7\nexit\n", 0},
	};
	enum xbpf_engine e;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct xbpf_prog *p = load_asm(vm, cases[i].text, 0);
		FOR_ENGINES(e) {
			struct xbpf_run_opts o = {.sz = sizeof o, .pkt = pkt, .pkt_size = sizeof pkt,
						  .engine = e};
			T_EQ(xbpf_prog__run(p, &o), 0);
			if (o.retval != cases[i].want)
				fprintf(stderr, "case %zu: %s", i, cases[i].text);
			T_EQ(o.retval, cases[i].want);
		}
		xbpf_prog__free(p);
	}
	/* without an explicit packet the ctx memory is the packet */
	struct xbpf_prog *p = load_asm(vm, "ldabsh 0\nexit\n", 0);
	uint64_t r0;
	T_EQ(xbpf_prog__exec(p, pkt, sizeof pkt, &r0), 0);
	T_EQ(r0, 0x1122);
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* ---- every opcode family, both dispatch modes, checked and unchecked -------------------- */

struct opcase { const char *text; uint64_t want; };

static const struct opcase alu_cases[] = {
	{"mov %r0, -1\nexit", 0xffffffffffffffffull},
	{"mov32 %r0, -1\nexit", 0xffffffff},
	{"lddw %r0, 0x123456789\nmov32 %r0, %r0\nexit", 0x23456789},
	{"mov %r0, 1\nadd32 %r0, -2\nexit", 0xffffffff},
	{"lddw %r0, 0xffffffff\nadd %r0, 1\nexit", 0x100000000ull},
	{"mov %r0, 3\nsub %r0, 5\nexit", (uint64_t)-2},
	{"mov %r0, 3\nsub32 %r0, 5\nexit", 0xfffffffe},
	{"lddw %r0, 0x100000003\nmul32 %r0, 3\nexit", 9},
	{"mov %r0, 7\nmul %r0, -1\nexit", (uint64_t)-7},
	{"mov %r0, 7\nor %r0, 8\nexit", 15},
	{"mov %r0, 7\nand %r0, 5\nexit", 5},
	{"mov %r0, 7\nxor %r0, 5\nexit", 2},
	{"mov %r0, 5\nneg %r0\nexit", (uint64_t)-5},
	{"mov %r0, 5\nneg32 %r0\nexit", 0xfffffffb},
	/* shifts masked to the width */
	{"mov %r0, 1\nlsh %r0, 65\nexit", 2},
	{"mov %r0, 1\nlsh32 %r0, 33\nexit", 2},
	{"mov %r0, 1\nmov %r1, 66\nlsh %r0, %r1\nexit", 4},
	{"mov %r0, -1\nrsh %r0, 60\nexit", 15},
	{"mov %r0, -1\nrsh32 %r0, 28\nexit", 15},
	{"mov %r0, -16\narsh %r0, 2\nexit", (uint64_t)-4},
	{"mov32 %r0, -16\narsh32 %r0, 2\nexit", 0xfffffffc},
	{"mov32 %r0, -16\nmov %r1, 34\narsh32 %r0, %r1\nexit", 0xfffffffc},
	/* division and modulo by zero, INT_MIN / -1 */
	{"mov %r0, 7\ndiv %r0, 0\nexit", 0},
	{"mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit", 0},
	{"mov %r0, 7\nmod %r0, 0\nexit", 7},
	{"lddw %r0, 0x100000007\nmod32 %r0, 0\nexit", 7},
	{"lddw %r0, 0x100000007\nmov %r1, 0\nmod32 %r0, %r1\nexit", 7},
	{"lddw %r0, 0x100000007\ndiv32 %r0, 0\nexit", 0},
	{"lddw %r1, 0x100000000\nmov %r0, 9\ndiv32 %r0, %r1\nexit", 0},
	{"mov %r0, -7\ndiv %r0, 2\nexit", 0x7ffffffffffffffcull},
	{"mov %r0, -7\nsdiv %r0, 2\nexit", (uint64_t)-3},
	{"mov %r0, -7\nsmod %r0, 2\nexit", (uint64_t)-1},
	{"mov %r0, 7\nsmod %r0, -2\nexit", 1},
	{"mov %r0, 7\nsdiv %r0, 0\nexit", 0},
	{"mov %r0, -7\nsmod %r0, 0\nexit", (uint64_t)-7},
	{"lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit", 0x8000000000000000ull},
	{"lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit", 0},
	{"lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit", 0x8000000000000000ull},
	{"mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit", 0x80000000},
	{"mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit", 0},
	{"mov32 %r0, -7\nsdiv32 %r0, 2\nexit", 0xfffffffd},
	{"lddw %r0, 0x1fffffff9\nsmod32 %r0, 0\nexit", 0xfffffff9},
	{"mov %r0, -7\nmov %r1, 0\nsdiv32 %r0, %r1\nexit", 0},
	/* movsx, byte order */
	{"mov %r1, 0x80\nmovsx864 %r0, %r1\nexit", (uint64_t)-128},
	{"mov %r1, 0x80\nmovsx832 %r0, %r1\nexit", 0xffffff80},
	{"mov %r1, 0x8000\nmovsx1664 %r0, %r1\nexit", (uint64_t)-32768},
	{"mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit", 0xffff8000},
	{"mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit", 0xffffffff80000000ull},
	{"lddw %r0, 0x1122334455667788\nbe16 %r0\nexit", 0x8877},
	{"lddw %r0, 0x1122334455667788\nbe32 %r0\nexit", 0x88776655},
	{"lddw %r0, 0x1122334455667788\nbe64 %r0\nexit", 0x8877665544332211ull},
	{"lddw %r0, 0x1122334455667788\nle16 %r0\nexit", 0x7788},
	{"lddw %r0, 0x1122334455667788\nle32 %r0\nexit", 0x55667788},
	{"lddw %r0, 0x1122334455667788\nle64 %r0\nexit", 0x1122334455667788ull},
	{"lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit", 0x8877},
	{"lddw %r0, 0x1122334455667788\nbswap32 %r0\nexit", 0x88776655},
	{"lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit", 0x8877665544332211ull},
};

static const struct opcase jmp_cases[] = {
	{"mov %r0, 0\nmov %r1, -1\njsgt %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, -1\njgt %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nlddw %r1, 0x100000000\njeq32 %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nlddw %r1, 0x100000000\njeq %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov32 %r1, -1\njslt32 %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov32 %r1, -1\njslt %r1, 0, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, 6\njset %r1, 4, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov %r1, 6\nmov %r2, 8\njset %r1, %r2, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, 5\njle %r1, 5, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov %r1, 5\njlt %r1, 5, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, 5\njge %r1, 5, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov %r1, -5\njsge %r1, -5, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov %r1, -5\njsle32 %r1, -6, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, 5\njne %r1, 5, t\nexit\nt:\nmov %r0, 1\nexit", 0},
	{"mov %r0, 0\nmov %r1, 5\njne32 %r1, 4, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nmov %r1, 5\nmov %r2, 4\njsgt32 %r1, %r2, t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r0, 0\nja32 t\nexit\nt:\nmov %r0, 1\nexit", 1},
	{"mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 6\nexit", 15},
};

/* memory programs: r1 = 16-byte buffer {0x80, 0x81, ..., 0x8f}, aligned */
static const struct opcase mem_cases[] = {
	{"ldxb %r0, [%r1+1]\nexit", 0x81},
	{"ldxh %r0, [%r1+2]\nexit", 0x8382},
	{"ldxw %r0, [%r1+4]\nexit", 0x87868584},
	{"ldxdw %r0, [%r1+8]\nexit", 0x8f8e8d8c8b8a8988ull},
	{"ldxsb %r0, [%r1+1]\nexit", 0xffffffffffffff81ull},
	{"ldxsh %r0, [%r1+2]\nexit", 0xffffffffffff8382ull},
	{"ldxsw %r0, [%r1+4]\nexit", 0xffffffff87868584ull},
	{"ldxw %r0, [%r1+1]\nexit", 0x84838281}, /* unaligned */
	{"stb [%r1+3], -1\nldxw %r0, [%r1]\nexit", 0xff828180},
	{"sth [%r1+2], 0x1234\nldxw %r0, [%r1]\nexit", 0x12348180},
	{"stw [%r1], -2\nldxdw %r0, [%r1]\nexit", 0x87868584fffffffeull},
	{"stdw [%r1], -2\nldxdw %r0, [%r1]\nexit", (uint64_t)-2},
	{"mov %r2, 0x1ff\nstxb [%r1], %r2\nldxb %r0, [%r1]\nexit", 0xff},
	{"lddw %r2, 0x123456789\nstxh [%r1], %r2\nldxh %r0, [%r1]\nexit", 0x6789},
	{"lddw %r2, 0x123456789\nstxw [%r1], %r2\nldxw %r0, [%r1]\nexit", 0x23456789},
	{"lddw %r2, 0x123456789\nstxdw [%r1], %r2\nldxdw %r0, [%r1]\nexit", 0x123456789ull},
	{"mov %r2, 1\nstxdw [%r10-16], %r2\nldxdw %r0, [%r10-16]\nexit", 1},
	/* atomics */
	{"stw [%r1], 5\nmov %r2, 3\nlock add32 [%r1], %r2\nldxw %r0, [%r1]\nexit", 8},
	{"stw [%r1], 5\nmov %r2, 3\nlock fetch add32 [%r1], %r2\nldxw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x805},
	{"stw [%r1], -1\nmov %r2, 1\nlock fetch add32 [%r1], %r2\nmov %r0, %r2\nexit", 0xffffffff},
	{"stdw [%r1], 5\nmov %r2, 3\nlock fetch add [%r1], %r2\nldxdw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x805},
	{"stdw [%r1], 6\nmov %r2, 3\nlock or [%r1], %r2\nldxdw %r0, [%r1]\nexit", 7},
	{"stdw [%r1], 6\nmov %r2, 3\nlock fetch or [%r1], %r2\nmov %r0, %r2\nexit", 6},
	{"stdw [%r1], 6\nmov %r2, 3\nlock and [%r1], %r2\nldxdw %r0, [%r1]\nexit", 2},
	{"stw [%r1], 6\nmov %r2, 3\nlock fetch and32 [%r1], %r2\nldxw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x206},
	{"stw [%r1], 6\nmov %r2, 3\nlock xor32 [%r1], %r2\nldxw %r0, [%r1]\nexit", 5},
	{"stdw [%r1], 6\nmov %r2, 3\nlock fetch xor [%r1], %r2\nldxdw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x506},
	{"stdw [%r1], 6\nmov %r2, 3\nlock xchg [%r1], %r2\nldxdw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x306},
	{"stw [%r1], 6\nmov %r2, 3\nlock xchg32 [%r1], %r2\nldxw %r0, [%r1]\n"
	 "lsh %r0, 8\nor %r0, %r2\nexit", 0x306},
	/* cmpxchg: equal -> stores, r0 = old; different -> no store, r0 = current */
	{"stdw [%r1], 6\nmov %r0, 6\nmov %r2, 9\nlock cmpxchg [%r1], %r2\nldxdw %r3, [%r1]\n"
	 "lsh %r3, 8\nor %r0, %r3\nexit", 0x906},
	{"stdw [%r1], 6\nmov %r0, 5\nmov %r2, 9\nlock cmpxchg [%r1], %r2\nldxdw %r3, [%r1]\n"
	 "lsh %r3, 8\nor %r0, %r3\nexit", 0x606},
	{"stw [%r1], 6\nlddw %r0, 0x100000006\nmov %r2, 9\nlock cmpxchg32 [%r1], %r2\n"
	 "ldxw %r3, [%r1]\nlsh %r3, 8\nor %r0, %r3\nexit", 0x906},
	{"stw [%r1], -1\nmov %r0, 0\nmov %r2, 9\nlock cmpxchg32 [%r1], %r2\nexit", 0xffffffff},
};

static void run_cases(struct xbpf_vm *vm, const struct opcase *c, size_t n, bool with_mem)
{
	enum xbpf_engine e;
	for (size_t i = 0; i < n; i++) {
		for (int trusted = 0; trusted < 2; trusted++) {
			struct xbpf_prog *p = load_asm(vm, c[i].text,
						       trusted ? XBPF_PROG_F_NO_CHECKS : 0);
			if (!p) {
				fprintf(stderr, "  in: %s\n", c[i].text);
				continue;
			}
			FOR_ENGINES(e) {
				_Alignas(8) uint8_t mem[16];
				for (int b = 0; b < 16; b++)
					mem[b] = (uint8_t)(0x80 + b);
				uint64_t r0 = 0;
				int err = run_on(p, e, with_mem ? mem : NULL, with_mem ? 16 : 0, 0, &r0);
				if (err || r0 != c[i].want)
					fprintf(stderr, "case '%s' engine %d trusted %d: err %d r0 "
						"0x%llx\n", c[i].text, e, trusted, err,
						(unsigned long long)r0);
				T_EQ(err, 0);
				T_EQ(r0, c[i].want);
			}
			xbpf_prog__free(p);
		}
	}
}

static void test_alu(void)
{
	struct xbpf_vm *vm = new_vm();
	run_cases(vm, alu_cases, sizeof alu_cases / sizeof alu_cases[0], false);
	xbpf_vm__free(vm);
}

static void test_jumps_and_calls(void)
{
	struct xbpf_vm *vm = new_vm();
	run_cases(vm, jmp_cases, sizeof jmp_cases / sizeof jmp_cases[0], false);
	xbpf_vm__free(vm);
}

static void test_memory_ops(void)
{
	struct xbpf_vm *vm = new_vm();
	run_cases(vm, mem_cases, sizeof mem_cases / sizeof mem_cases[0], true);
	xbpf_vm__free(vm);
}

static void test_misaligned_atomic(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, "mov %r2, 1\nlock add [%r1+4], %r2\nmov %r0, 0\nexit", 0);
	enum xbpf_engine e;
	uint64_t r0, mem[2];
	FOR_ENGINES(e) {
		T_EQ(run_on(p, e, mem, sizeof mem, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "misaligned atomic access of 8 bytes");
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* ---- threads -------------------------------------------------------------------------- */

struct thread_arg {
	struct xbpf_prog *prog;
	enum xbpf_engine engine;
	int id;
	int bad;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	for (int i = 0; i < 2000; i++) {
		uint64_t mem[2] = {(uint64_t)a->id * 100000 + (uint64_t)i, 0};
		struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = sizeof mem,
					  .engine = a->engine};
		/* the program computes sum(1..n) for n = mem[0] % 50 in a loop via a call */
		uint64_t n = mem[0] % 50;
		if (xbpf_prog__run(a->prog, &o) || o.retval != n * (n + 1) / 2 || mem[1] != o.retval)
			a->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm,
		"mov %r6, %r1\nldxdw %r1, [%r6]\nmod %r1, 50\ncall local sum\n"
		"stxdw [%r6+8], %r0\nexit\n"
		"sum:\nmov %r0, 0\nstxdw [%r10-8], %r1\nl:\njeq %r1, 0, done\nadd %r0, %r1\n"
		"sub %r1, 1\nja l\ndone:\nldxdw %r2, [%r10-8]\nexit\n", 0);
	pthread_t t[6];
	struct thread_arg args[6];
	for (int i = 0; i < 6; i++) {
		args[i] = (struct thread_arg){p, engines[i % NENGINES], i, 0};
		pthread_create(&t[i], NULL, thread_main, &args[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		T_EQ(args[i].bad, 0);
	}
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
}

/* ---- maps named by lddw --------------------------------------------------------------- */

static struct xbpf_prog *load_maps(struct xbpf_vm *vm, const char *text, struct xbpf_map **maps,
				   unsigned cnt)
{
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf, .maps = maps, .map_cnt = cnt,
					.engine = XBPF_ENGINE_JIT};
	return t_load_asm(vm, text, &o);
}

static void test_lddw_maps(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_map *arr = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 16, 1, NULL);
	struct xbpf_map *hash = xbpf_map__create(XBPF_MAP_TYPE_HASH, 4, 8, 4, NULL);
	T_CHECK(arr && hash);
	struct xbpf_map *maps[] = {hash, arr};
	/* src 1 and 5: the map itself */
	struct xbpf_prog *p1 = load_maps(vm, "lddw %r0, map_fd(1)\nexit\n", maps, 2);
	struct xbpf_prog *p5 = load_maps(vm, "lddw %r0, map_idx(0)\nexit\n", maps, 2);
	/* src 2 and 6: the value of key 0, plus the offset; the value is a run region */
	struct xbpf_prog *p2 = load_maps(vm, "lddw %r1, map_value(1, 8)\nstdw [%r1], 77\n"
					 "ldxdw %r0, [%r1]\nexit\n", maps, 2);
	struct xbpf_prog *p6 = load_maps(vm, "lddw %r1, map_idx_value(1, 0)\n"
					 "ldxdw %r0, [%r1+8]\nldxdw %r2, [%r1+16]\nexit\n", maps, 2);
	T_CHECK(p1 && p5 && p2 && p6);
	uint64_t r0 = 0;
	if (p1 && p5 && p2 && p6) {
		T_EQ(xbpf_prog__exec(p1, NULL, 0, &r0), 0);
		T_EQ(r0, (uintptr_t)arr);
		T_EQ(xbpf_prog__exec(p5, NULL, 0, &r0), 0);
		T_EQ(r0, (uintptr_t)hash);
		/* the programs hold references: the maps outlive the user's */
		xbpf_map__put(arr);
		xbpf_map__put(hash);
		T_EQ(xbpf_prog__exec(p2, NULL, 0, &r0), 0);
		T_EQ(r0, 77);
		T_EQ(xbpf_prog__exec(p6, NULL, 0, &r0), -EFAULT); /* [r1+16] is past the value */
		r0 = 0;
		struct xbpf_prog *p7 = load_maps(vm, "lddw %r1, map_idx_value(1, 0)\n"
						 "ldxdw %r0, [%r1+8]\nexit\n", maps, 2);
		T_EQ(xbpf_prog__exec(p7, NULL, 0, &r0), 0);
		T_EQ(r0, 77);
		xbpf_prog__free(p7);
	}
	/* errors */
	T_CHECK(!load_maps(vm, "lddw %r1, map_value(1, 17)\nexit\n", maps, 2));
	T_EQ(errno, EINVAL);
	T_CONTAINS(log_buf, "insn 0 (");
	T_CONTAINS(log_buf, "offset 17 beyond the map value (16 bytes)");
	T_CHECK(!load_maps(vm, "lddw %r1, map_value(0, 0)\nexit\n", maps, 2));
	T_CONTAINS(log_buf, "map 0 has no directly addressable value");
	T_CHECK(!load_maps(vm, "lddw %r1, map_fd(2)\nexit\n", maps, 2));
	T_CONTAINS(log_buf, "map index 2 out of range (2 maps given)");
	xbpf_prog__free(p1);
	xbpf_prog__free(p5);
	xbpf_prog__free(p2);
	xbpf_prog__free(p6);
	xbpf_vm__free(vm);
}

static void test_map_value_regions(void)
{
	/* Global-data values are run regions on every engine, checked and trusted; an
	 * XBPF_F_RDONLY_PROG map's value is read-only to a checked program. */
	struct xbpf_vm *vm = new_vm();
	struct xbpf_map_create_opts ro = {.sz = sizeof ro, .map_flags = XBPF_F_RDONLY_PROG};
	struct xbpf_map *rw = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 16, 1, NULL);
	struct xbpf_map *rd = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 1, &ro);
	T_CHECK(rw && rd);
	if (!rw || !rd)
		return;
	uint32_t k = 0;
	uint64_t val = 0x1234;
	T_EQ(xbpf_map__update_elem(rd, &k, &val, 0), 0);
	struct xbpf_map *maps[] = {rw, rd};
	const char *wr_rw = "lddw %r1, map_value(0, 8)\nstdw [%r1], 77\nldxdw %r0, [%r1]\nexit\n";
	const char *rd_ro = "lddw %r1, map_value(1, 0)\nldxdw %r0, [%r1]\nexit\n";
	const char *wr_ro = "lddw %r1, map_value(1, 0)\nstdw [%r1], 5\nmov %r0, 1\nexit\n";
	struct xbpf_prog *a = load_maps(vm, wr_rw, maps, 2), *b = load_maps(vm, rd_ro, maps, 2);
	struct xbpf_prog *c = load_maps(vm, wr_ro, maps, 2);
	T_CHECK(a && b && c);
	enum xbpf_engine e;
	uint64_t r0 = 0;
	FOR_ENGINES(e) {
		if (!a || !b || !c)
			break;
		T_EQ(run_on(a, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 77);
		T_EQ(run_on(b, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, 0x1234);
		T_EQ(run_on(c, e, NULL, 0, 0, &r0), -EFAULT);
		T_CONTAINS(log_buf, "read-only memory");
	}
	T_EQ(xbpf_map__lookup_elem(rd, &k, &val), 0);
	T_EQ(val, 0x1234);
	xbpf_prog__free(a);
	xbpf_prog__free(b);
	xbpf_prog__free(c);
	xbpf_map__put(rw);
	xbpf_map__put(rd);
	xbpf_vm__free(vm);
}

static void test_builtins_linked(void)
{
	/* The test binaries link the static library: the built-in helpers, map helpers
	 * included, are pulled in by xbpf_vm__new's strong references. */
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_EQ(xbpf_vm__helper_id(vm, "bpf_map_lookup_elem"), 1);
	T_EQ(xbpf_vm__helper_id(vm, "bpf_ktime_get_ns"), 5);
	T_EQ(xbpf_vm__helper_id(vm, "bpf_tail_call"), 12);
	xbpf_vm__free(vm);
}

/* The interpreter's superinstructions (src/vm/interp.c, fuse_at): a hot loop in a callee
 * (the fused copy is built with a caller frame live) using every fused pattern, a jump into
 * the middle of a pattern, and the budget: all engines agree with C and charge the same. */
static const char superinsn_src[] =
	"mov %r6, 7\ncall local f\nadd %r0, %r6\nexit\n"
	"f:\nmov %r0, 0\nmov %r1, 0x1234567\nmov %r2, 0\nmov %r3, 0\n"
	"l:\nmov %r4, %r1\nrsh %r4, 7\nxor %r4, %r1\n"   /* shift-xor */
	"mov %r5, %r4\nlsh %r5, 32\nrsh %r5, 32\n"       /* mov + zero-extend */
	"mov %r6, %r4\nlsh %r6, 3\n"                     /* mov + lsh */
	"mov %r7, %r5\nand %r7, 0xff\n"                  /* mov + and */
	"mov %r8, %r7\nadd %r8, 11\n"                    /* mov + add imm */
	"mov %r1, %r6\nadd %r1, %r8\n"                   /* mov + add reg */
	"lsh %r1, 32\nrsh %r1, 32\n"                     /* zero-extend */
	"mul %r1, 3\nadd %r1, 1\n"                       /* mul imm + add imm */
	"mov %r9, %r1\nneg %r9\nneg %r9\nlsh %r9, 4\nor %r9, %r2\nadd %r0, %r9\n"
	"jeq %r2, 5, mid\nadd %r0, %r5\nmov %r3, %r1\n"
	"mid:\nrsh %r3, 1\nadd %r0, %r3\n"               /* lands on a pattern's 2nd slot */
	"add %r2, 1\njne %r2, 20, l\nexit\n";            /* add imm + jne */

static uint64_t superinsn_ref(void)
{
	uint64_t r0 = 0, r1 = 0x1234567, r3 = 0;
	for (uint64_t r2 = 0; r2 < 20; r2++) {
		uint64_t r4 = (r1 >> 7) ^ r1, r5 = (uint32_t)r4;
		r1 = (uint32_t)((r4 << 3) + (r5 & 0xff) + 11);
		r1 = r1 * 3 + 1;
		r0 += r1 << 4 | r2;
		if (r2 != 5) {
			r0 += r5;
			r3 = r1;
		}
		r3 >>= 1;
		r0 += r3;
	}
	return r0 + 7;
}

static void test_superinsns(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, superinsn_src, 0);
	struct xbpf_prog *fast = load_asm(vm, superinsn_src, XBPF_PROG_F_NO_CHECKS);
	enum xbpf_engine e;
	uint64_t r0, need[NENGINES];
	FOR_ENGINES(e) {
		T_EQ(run_on(p, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, superinsn_ref());
		T_EQ(run_on(fast, e, NULL, 0, 0, &r0), 0);
		T_EQ(r0, superinsn_ref());
		uint64_t lo = 1, hi = 100000; /* smallest budget that completes */
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;
			if (run_on(p, e, NULL, 0, mid, &r0) == 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		need[e_i] = lo;
		T_EQ(need[e_i], need[0]);
		T_EQ(run_on(fast, e, NULL, 0, lo, &r0), 0);
		T_EQ(run_on(fast, e, NULL, 0, lo - 1, &r0), -ETIME);
	}
	xbpf_prog__free(p);
	xbpf_prog__free(fast);
	xbpf_vm__free(vm);
}

static void test_prog_refcount(void)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *p = load_asm(vm, "mov %r0, 4\nexit", 0);
	vm_prog_get(p);
	xbpf_prog__free(p); /* still referenced */
	uint64_t r0;
	T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
	T_EQ(r0, 4);
	vm_prog_put(p);
	xbpf_prog__free(NULL);
	xbpf_vm__free(vm);
}

T_MAIN(test_helper_registry, test_print_callback, test_load_errors, test_memory_checks,
       test_readonly_and_extra_regions, test_checks_off, test_add_region_recycles, test_budget,
       test_call_depth, test_tail_calls, test_callbacks, test_helper_errors_and_info,
       test_dispatch_modes, test_jit_load, test_ld_abs_ind, test_alu, test_jumps_and_calls,
       test_memory_ops, test_misaligned_atomic, test_threads, test_lddw_maps, test_prog_refcount,
       test_map_value_regions, test_builtins_linked, test_tail_call_stack,
       test_superinsns)
