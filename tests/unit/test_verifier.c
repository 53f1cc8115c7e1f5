/* test_verifier.c - the verifier on assembled programs: one negative test per rule (the
 * expected message and hint), positive tests for the precision the corpus needs (packet
 * ranges, null checks, bounded loops, correlated branches, spills, calls, references),
 * the explanation and the level-2 log format.
 */
#include <errno.h>
#include <stddef.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"
#include "verifier/vrf_api.h"

static const char rodata[16] = "hello %d\n";
static const struct xbpf_verify_map maps[] = {
	{XBPF_MAP_TYPE_HASH, 4, 8, 16, 0, -1, NULL, "hash"},
	{XBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, -1, NULL, "rb"},
	{XBPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, -1, NULL, "arr"},
	{XBPF_MAP_TYPE_ARRAY, 4, 16, 1, XBPF_F_RDONLY_PROG, -1, rodata, ".rodata"},
};

static char logbuf[65536];
static size_t loglen;
static void logfn(void *ctx, const char *line)
{
	(void)ctx;
	loglen += (size_t)snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", line);
	if (loglen >= sizeof logbuf)
		loglen = sizeof logbuf - 1;
}

static struct xbpf_verify_result res;
static bool strict; /* opts.strict_stack of run() */

/* Assemble and verify; returns the verdict. */
static int run(const char *text, uint32_t type, unsigned level, uint64_t max_insns)
{
	struct xbpf_insn *p;
	size_t n;
	if (!t_asm(NULL, text, &p, &n))
		return -999;
	struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = type, .maps = maps,
				     .map_cnt = 4, .log_level = level, .log_fn = logfn,
				     .max_insns = max_insns, .strict_stack = strict};
	loglen = 0;
	logbuf[0] = 0;
	int v = xbpf_verify(p, n, &o, &res);
	free(p);
	return v;
}

#define XDP XBPF_PROG_TYPE_XDP
#define TC XBPF_PROG_TYPE_SCHED_CLS
#define SOCK XBPF_PROG_TYPE_SOCKET_FILTER

#define REJECT(text_, type_, msg_, hint_) do { \
	T_EQ(run(text_, type_, 0, 0), (uint64_t)-EACCES); \
	T_CONTAINS(res.message, msg_); \
	T_CONTAINS(res.hint, hint_); } while (0)

/* REJECT with opts.strict_stack (the unprivileged kernel's rule on uninitialised stack) */
#define REJECT_STRICT(text_, type_, msg_, hint_) do { strict = true; \
	REJECT(text_, type_, msg_, hint_); strict = false; } while (0)

#define ACCEPT(text_, type_) do { int v_ = run(text_, type_, 1, 0); \
	if (v_) \
		fprintf(stderr, "%s", res.explanation); \
	T_EQ(v_, 0); } while (0)

/* A lookup in map 0 with key 0 at fp-4; r0 = value or NULL. */
#define LOOKUP "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 1\n"
#define LOOKUP_ARR "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(2) ll\ncall 1\n"
/* xdp: r2 = data, r3 = data_end */
#define PKT "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\n"

/* ---- registers ---- */
static void test_uninit_register(void)
{
	REJECT("r0 = r5\nexit", XDP, "R5 !read_ok", "r5 is read before anything was written");
}

static void test_exit_without_r0(void)
{
	REJECT("exit", XDP, "R0 !read_ok", "r0 is read before");
}

static void test_call_clobbers_args(void)
{
	REJECT("call 5\nr0 = r1\nexit", XDP, "R1 !read_ok", "clobber r1-r5");
}

/* ---- stack ---- */
static void test_uninit_stack_read(void)
{
	REJECT_STRICT("r0 = *(u64 *)(r10 - 8)\nexit", XDP, "invalid read from stack",
		      "r10-8 is read before anything was written");
	/* by default (root kernel): an unknown value, both sides of a branch on it explored */
	ACCEPT("r0 = *(u64 *)(r10 - 8)\nexit", XDP);
	T_CHECK(res.reads_uninit_stack);
	ACCEPT("r0 = *(u8 *)(r10 - 1)\nif r0 > 255 goto +1\nr0 = 0\nexit", XDP);
	REJECT("r1 = *(u32 *)(r10 - 12)\nif r1 == 7 goto +2\nr0 = 0\nexit\n"
	       "r0 = *(u64 *)(r1 + 0)\nr0 = 0\nexit", XDP, "invalid mem access 'scalar'", "");
	REJECT("r1 = *(u32 *)(r10 - 12)\nif r1 != 0 goto +2\nr0 = 0\nexit\n"
	       "r0 = *(u64 *)(r1 + 0)\nr0 = 0\nexit", XDP, "invalid mem access 'scalar'", "");
	ACCEPT("r1 = *(u16 *)(r10 - 12)\nif r1 > 65535 goto +2\nr0 = 0\nexit\n"
	       "r0 = *(u64 *)(r1 + 0)\nr0 = 0\nexit", XDP); /* a 16-bit value */
	ACCEPT("r1 = 1\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit", XDP);
	T_CHECK(!res.reads_uninit_stack);
	/* only uninitialised bytes of the frame: outside it stays an error */
	REJECT("r0 = *(u64 *)(r10 - 520)\nexit", XDP, "invalid read from stack", "");
	REJECT("r0 = *(u64 *)(r10 + 0)\nexit", XDP, "invalid read from stack", "");
	REJECT("r0 = *(u64 *)(r10 - 4)\nexit", XDP, "invalid read from stack", "");
	REJECT("r2 = r10\nr2 += -2\nr1 = map_idx(0) ll\ncall 1\nr0 = 0\nexit", XDP,
	       "invalid read from stack", "");
	REJECT("r2 = r10\nr2 += -516\nr1 = map_idx(0) ll\ncall 1\nr0 = 0\nexit", XDP,
	       "invalid read from stack", "");
}

/* A path reaching a pruning point with a slot uninitialised must not stand for one with a
 * pointer saved there: read back, the pointer would be stored into a map (xbpf refuses
 * address leaks; a root kernel's allow_ptr_leaks would not mind) or dereferenced. Each
 * order of the two paths is tried. */
static void test_uninit_slot_prunes_soundly(void)
{
	static const char *const leak[] = {
		LOOKUP_ARR "if r0 == 0 goto +8\nr7 = r0\ncall 7\nif r0 != 0 goto +1\n"
		"goto +1\n*(u64 *)(r10 - 16) = r6\nr1 = *(u64 *)(r10 - 16)\n"
		"*(u64 *)(r7 + 0) = r1\nr0 = 0\nexit",
		LOOKUP_ARR "if r0 == 0 goto +8\nr7 = r0\ncall 7\nif r0 == 0 goto +1\n"
		"goto +1\n*(u64 *)(r10 - 16) = r6\nr1 = *(u64 *)(r10 - 16)\n"
		"*(u64 *)(r7 + 0) = r1\nr0 = 0\nexit",
	};
	for (int i = 0; i < 2; i++) {
		char text[512];
		snprintf(text, sizeof text, "r6 = r1\n%s", leak[i]);
		REJECT(text, XDP, "leaks addr", "");
		/* a number saved there instead: the same, accepted */
		char *at = strstr(text, "= r6\n");
		at[3] = '0';
		ACCEPT(text, XDP);
	}
	/* dereferenced: only a pointer makes it safe, and only on one path */
	REJECT("r6 = r1\ncall 7\nif r0 != 0 goto +1\ngoto +1\n*(u64 *)(r10 - 16) = r6\n"
	       "r1 = *(u64 *)(r10 - 16)\nr0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit", XDP,
	       "invalid mem access 'scalar'", "");
	REJECT("r6 = r1\ncall 7\nif r0 == 0 goto +1\ngoto +1\n*(u64 *)(r10 - 16) = r6\n"
	       "r1 = *(u64 *)(r10 - 16)\nr0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit", XDP,
	       "invalid mem access 'scalar'", "");
	/* a written slot must not stand for an uninitialised one: the program reads
	 * uninitialised stack on one path, which the result must say (stack clearing) */
	for (int i = 0; i < 2; i++) {
		ACCEPT(i ? "call 7\nif r0 != 0 goto +1\n*(u64 *)(r10 - 8) = r0\n"
			   "r0 = *(u64 *)(r10 - 8)\nexit"
			 : "call 7\nif r0 == 0 goto +1\n*(u64 *)(r10 - 8) = r0\n"
			   "r0 = *(u64 *)(r10 - 8)\nexit", XDP);
		T_CHECK(res.reads_uninit_stack);
	}
}

/* ---- run time: a program that reads uninitialised stack sees zeros ---- */
static const enum xbpf_engine engines[] = {XBPF_ENGINE_INTERP, XBPF_ENGINE_INTERP_SWITCH,
					   XBPF_ENGINE_JIT};

/* helper 7 at run time: tail call to the program in the run's user pointer */
static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	struct xbpf_prog **target = xbpf_run_ctx__user(rc);
	return (uint64_t)(int64_t)xbpf_run_ctx__tail_call(rc, *target);
}

/* Verify text (raw memory type, built-in helpers: 7 is get_prandom_u32) and load it with
 * the flags the loader gives: NO_CHECKS, and VERIFIED unless it reads uninitialised stack. */
static struct xbpf_prog *load_verified(struct xbpf_vm *vm, const char *text, bool uninit)
{
	struct xbpf_insn *p;
	size_t n;
	T_EQ(run(text, 0, 0, 0), 0);
	T_EQ(res.reads_uninit_stack, uninit);
	if (!t_asm(NULL, text, &p, &n))
		return NULL;
	uint32_t flags = XBPF_PROG_F_NO_CHECKS | (res.reads_uninit_stack ? 0 : XBPF_PROG_F_VERIFIED);
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .flags = flags,
					 .engine = XBPF_ENGINE_JIT};
	struct xbpf_prog *prog = xbpf_prog__load(vm, p, n, &lo);
	free(p);
	T_CHECK(prog != NULL);
	return prog;
}

static void test_uninit_stack_runs_zeroed(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_CHECK(vm != NULL);
	xbpf_vm__register_helper(vm, 7, "tail", h_tail, NULL);
	/* reads fp-8 and fp-64, and fp-8 of a subprogram's frame, then dirties them */
	const char *reader = "r6 = *(u64 *)(r10 - 8)\nr1 = *(u32 *)(r10 - 64)\nr6 |= r1\n"
			     "r1 = 77\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 64) = r1\n"
			     "call sub\nr0 |= r6\nexit\nsub:\nr0 = *(u64 *)(r10 - 8)\n"
			     "r1 = 99\n*(u64 *)(r10 - 8) = r1\nexit";
	const char *dirty = "r1 = 0x1234\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 64) = r1\n"
			    "call sub\nr0 = 0\nexit\nsub:\nr1 = 0x99\n*(u64 *)(r10 - 8) = r1\n"
			    "r0 = 0\nexit";
	const char *tail = "r1 = 0x5678\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 64) = r1\n"
			   "call 7\nr0 = 1000\nexit";
	struct xbpf_prog *rd = load_verified(vm, reader, true);
	struct xbpf_prog *dt = load_verified(vm, dirty, false);
	struct xbpf_prog *tl = load_verified(vm, tail, false);
	for (unsigned e = 0; rd && dt && tl && e < sizeof engines / sizeof *engines; e++) {
		struct xbpf_runner_opts ro = {.sz = sizeof ro, .engine = engines[e], .user = &rd};
		struct xbpf_runner *r = xbpf_runner__new(rd, &ro);
		struct xbpf_runner *t = xbpf_runner__new(tl, &ro);
		T_CHECK(r && t);
		for (int i = 0; r && t && i < 3; i++) {
			uint64_t r0 = 1;
			struct xbpf_run_opts o = {.sz = sizeof o, .engine = engines[e], .user = &rd};
			T_EQ(xbpf_prog__run(dt, &o), 0);
			T_EQ(xbpf_prog__run(rd, &o), 0);
			T_EQ(o.retval, 0);
			T_EQ(xbpf_prog__run(dt, &o), 0);
			T_EQ(xbpf_prog__run(tl, &o), 0);
			T_EQ(o.retval, 0);      /* the tail-called reader: zeros, not 0x5678 */
			T_EQ(xbpf_runner__run(r, NULL, 0, &r0), 0);
			T_EQ(r0, 0);            /* not 77 or 99 from the run before */
			T_EQ(xbpf_runner__run(t, NULL, 0, &r0), 0);
			T_EQ(r0, 0);
		}
		xbpf_runner__free(r);
		xbpf_runner__free(t);
	}
	xbpf_prog__free(rd);
	xbpf_prog__free(dt);
	xbpf_prog__free(tl);
	xbpf_vm__free(vm);
}

static void test_stack_out_of_bounds(void)
{
	REJECT("r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit", XDP, "invalid write to stack",
	       "512 bytes below r10");
	REJECT("r1 = 0\n*(u64 *)(r10 + 0) = r1\nr0 = 0\nexit", XDP, "invalid write to stack",
	       "512 bytes");
}

static void test_partial_pointer_spill(void)
{
	REJECT("*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit", XDP, "invalid size of register spill",
	       "8 bytes");
}

static void test_partial_pointer_fill(void)
{
	REJECT("*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit", XDP,
	       "invalid size of register fill", "loaded whole");
}

static void test_spill_fill_keeps_pointer(void)
{
	ACCEPT("*(u64 *)(r10 - 8) = r1\nr6 = *(u64 *)(r10 - 8)\n"
	       "r0 = *(u32 *)(r6 + 12)\nexit", XDP);
}

/* ---- maps ---- */
static void test_null_deref(void)
{
	REJECT(LOOKUP "r0 = *(u64 *)(r0 + 0)\nexit", XDP, "invalid mem access 'map_value_or_null'",
	       "r0 may be NULL here");
}

static void test_null_checked_lookup(void)
{
	ACCEPT(LOOKUP "if r0 == 0 goto +2\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = 0\nexit", XDP);
	/* the check on a copy applies to the original (shared id) */
	ACCEPT(LOOKUP "r6 = r0\nif r6 != 0 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r0 + 4)\nexit", XDP);
}

static void test_map_value_out_of_bounds(void)
{
	REJECT(LOOKUP "if r0 == 0 goto +2\nr0 = *(u64 *)(r0 + 4)\nexit\nr0 = 0\nexit", XDP,
	       "invalid access to map_value", "map_value has 8 bytes");
}

static void test_map_value_negative_index(void)
{
	REJECT(LOOKUP_ARR "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nif r1 s> 8 goto out0\n"
	       "if r1 s< -8 goto out0\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit\n"
	       "out0:\nr0 = 0\nexit\nout:\nr0 = 0\nexit", XDP,
	       "min value is negative", "may be negative");
}

static void test_map_value_bounded_index(void)
{
	ACCEPT(LOOKUP_ARR "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nif r1 > 15 goto out\n"
	       "r0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit\nout:\nr0 = 0\nexit", XDP);
}

static void test_map_value_unbounded_math(void)
{
	REJECT(LOOKUP_ARR "if r0 == 0 goto +3\nr1 = *(u64 *)(r0 + 0)\nr0 += r1\nr0 = 0\nexit", XDP,
	       "with unbounded value is not allowed", "bound the value");
}

static void test_linked_copy_bounds(void)
{
	/* r2 = r1; bounding r2 bounds r1 */
	ACCEPT(LOOKUP_ARR "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nr2 = r1\nif r2 > 15 goto out\n"
	       "r0 += r1\nr0 = *(u8 *)(r0 + 0)\nexit\nout:\nr0 = 0\nexit", XDP);
}

static void test_readonly_map_write(void)
{
	REJECT("r1 = map_idx_value(3, 0) ll\nr2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit", XDP,
	       "write into map forbidden", "read-only");
}

static void test_readonly_map_constant(void)
{
	/* 'h' = 0x68 read from .rodata is a known constant: the branch is decided */
	ACCEPT("r1 = map_idx_value(3, 0) ll\nr2 = *(u8 *)(r1 + 0)\nif r2 == 104 goto +1\n"
	       "r0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit", XDP);
}

static void test_pointer_leak_into_map(void)
{
	REJECT(LOOKUP "if r0 == 0 goto +2\n*(u64 *)(r0 + 0) = r10\nr0 = 0\nexit", XDP,
	       "leaks addr into map_value", "leak");
}

static void test_pointer_leak_via_helper(void)
{
	REJECT("*(u64 *)(r10 - 8) = r1\nr1 = 0\n*(u32 *)(r10 - 12) = r1\nr2 = r10\nr2 += -12\n"
	       "r3 = r10\nr3 += -8\nr1 = map_idx(0) ll\nr4 = 0\ncall 2\nexit", XDP,
	       "R3 leaks addr into helper memory", "copy a kernel address out");
}

/* ---- packet ---- */
static void test_packet_unchecked(void)
{
	REJECT(PKT "r0 = *(u8 *)(r2 + 0)\nexit", XDP, "invalid access to packet",
	       "compare data + 1 with data_end first");
}

static void test_packet_beyond_range(void)
{
	REJECT(PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u16 *)(r2 + 22)\nexit\n"
	       "r0 = 0\nexit", XDP, "invalid access to packet, off=22 size=2",
	       "offset 22 is beyond the checked range 14: compare data + 24 with data_end");
}

static void test_packet_checked_all_forms(void)
{
	ACCEPT(PKT "r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u16 *)(r2 + 12)\nexit\n"
	       "r0 = 0\nexit", XDP);
	ACCEPT(PKT "r4 = r2\nr4 += 14\nif r3 >= r4 goto +2\nr0 = 0\nexit\n"
	       "r0 = *(u16 *)(r2 + 12)\nexit", XDP);
	ACCEPT(PKT "r4 = r2\nr4 += 14\nif r4 <= r3 goto +2\nr0 = 0\nexit\n"
	       "r0 = *(u16 *)(r2 + 12)\nexit", XDP);
	ACCEPT(PKT "r4 = r2\nr4 += 14\nif r3 < r4 goto +2\nr0 = *(u16 *)(r2 + 12)\nexit\n"
	       "r0 = 0\nexit", XDP);
}

static void test_packet_write_readonly_type(void)
{
	REJECT("r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\n"
	       "if r4 > r3 goto +2\nr5 = 1\n*(u8 *)(r2 + 0) = r5\nr0 = 0\nexit",
	       XBPF_PROG_TYPE_CGROUP_SKB, "cannot write into packet", "only read");
}

static void test_pkt_end_arithmetic(void)
{
	REJECT(PKT "r3 += 1\nr0 = 0\nexit", XDP, "pointer arithmetic on pkt_end prohibited",
	       "does not point to memory");
}

/* ---- context ---- */
static void test_ctx_bad_offset(void)
{
	REJECT("r0 = *(u32 *)(r1 + 100)\nexit", XDP, "invalid bpf_context access off=100 size=4",
	       "xdp programs may not read 4 bytes at context offset 100");
}

static void test_ctx_write_readonly(void)
{
	REJECT("r2 = 1\n*(u32 *)(r1 + 12) = r2\nr0 = 0\nexit", XDP,
	       "invalid bpf_context access off=12", "may not write");
}

static void test_ctx_socket_filter_no_data(void)
{
	REJECT("r0 = *(u32 *)(r1 + 80)\nexit", SOCK, "invalid bpf_context access off=80 size=4",
	       "socket_filter");
}

static void test_ctx_modified_pointer(void)
{
	REJECT("r1 += 8\nr0 = *(u32 *)(r1 + 0)\nexit", XBPF_PROG_TYPE_SOCK_OPS,
	       "dereference of modified ctx ptr R1 off=8 disallowed", "context pointer itself");
}

static void test_ctx_tc_write_mark(void)
{
	ACCEPT("r2 = 7\n*(u32 *)(r1 + 8) = r2\nr0 = *(u32 *)(r1 + 0)\nexit", TC);
}

/* ---- pointer arithmetic ---- */
static void test_pointer_plus_pointer(void)
{
	REJECT("r1 += r10\nr0 = 0\nexit", XDP, "R1 pointer += pointer prohibited",
	       "only a scalar");
}

static void test_pointer_bitwise(void)
{
	REJECT("r1 &= 7\nr0 = 0\nexit", XDP, "pointer arithmetic with &= operator prohibited",
	       "only + and -");
}

static void test_pointer_32bit(void)
{
	REJECT("w1 += 4\nr0 = 0\nexit", XDP, "32-bit pointer arithmetic prohibited", "64-bit");
}

static void test_pointer_difference_is_scalar(void)
{
	ACCEPT(PKT "r3 -= r2\nr0 = r3\nexit", XDP);
}

static void test_scalar_deref(void)
{
	REJECT("r1 = 4096\nr0 = *(u64 *)(r1 + 0)\nexit", XDP, "R1 invalid mem access 'scalar'",
	       "holds a number");
}

static void test_return_pointer(void)
{
	REJECT("r0 = r10\nexit", XDP, "R0 leaks addr as return value", "return a number");
}

/* ---- helpers ---- */
static void test_helper_wrong_prog_type(void)
{
	REJECT("r2 = 0\nr3 = r10\nr3 += -8\n*(u64 *)(r10 - 8) = r2\nr4 = 8\nr5 = 0\ncall 9\n"
	       "r0 = 0\nexit", SOCK, "program of this type cannot use helper", "another kind");
}

static void test_helper_unknown(void)
{
	T_EQ(run("call 999\nr0 = 0\nexit", XDP, 0, 0), (uint64_t)-EINVAL);
	T_CONTAINS(res.message, "invalid func unknown#999");
}

static void test_helper_uninit_mem(void)
{
	REJECT_STRICT("r1 = r10\nr1 += -16\nr2 = 16\ncall 6\nr0 = 0\nexit", XDP,
		      "invalid indirect read from stack", "initialise the whole buffer");
	ACCEPT("r1 = r10\nr1 += -16\nr2 = 16\ncall 6\nr0 = 0\nexit", XDP);
	T_CHECK(res.reads_uninit_stack);
	/* a key with a hole: 2 of its 4 bytes written */
	const char *key = "r1 = 0\n*(u16 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\n"
			  "r1 = map_idx(0) ll\ncall 1\nr0 = 0\nexit";
	REJECT_STRICT(key, XDP, "invalid indirect read from stack", "initialise the whole");
	ACCEPT(key, XDP);
	T_CHECK(res.reads_uninit_stack);
	/* a buffer the helper writes is not read: no uninitialised read */
	ACCEPT("r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 16)\nexit",
	       XBPF_PROG_TYPE_KPROBE);
	T_CHECK(!res.reads_uninit_stack);
	/* beyond the frame stays an error */
	REJECT("r1 = r10\nr1 += -8\nr2 = 16\ncall 6\nr0 = 0\nexit", XDP, "stack", "");
	REJECT("r1 = r10\nr1 += -520\nr2 = 16\ncall 6\nr0 = 0\nexit", XDP, "stack", "");
}

static void test_helper_unbounded_size(void)
{
	REJECT(LOOKUP "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 0)\nr2 |= 1\nr1 = r10\nr1 += -16\n"
	       "call 16\nout:\nr0 = 0\nexit", XBPF_PROG_TYPE_KPROBE,
	       "unbounded memory access", "bound r2");
}

static void test_helper_zero_size(void)
{
	REJECT("r1 = r10\nr1 += -16\nr2 = 0\ncall 16\nr0 = 0\nexit", XBPF_PROG_TYPE_KPROBE,
	       "invalid zero-sized read", "may be 0");
}

static void test_helper_map_arg(void)
{
	REJECT("r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit", XDP,
	       "R1 type=scalar expected=a map", "must be a map");
}

static void test_helper_writes_stack(void)
{
	/* get_current_comm fills the buffer: reading it afterwards is fine */
	ACCEPT("r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 16)\nexit",
	       XBPF_PROG_TYPE_KPROBE);
}

/* ---- references and locks ---- */
#define RESERVE "r1 = map_idx(1) ll\nr2 = 8\nr3 = 0\ncall 131\n"
static void test_ringbuf_leak(void)
{
	REJECT(RESERVE "if r0 == 0 goto +2\nr1 = 5\n*(u64 *)(r0 + 0) = r1\nr0 = 0\nexit", XDP,
	       "Unreleased reference", "neither submitted nor discarded");
}

static void test_ringbuf_ok(void)
{
	ACCEPT(RESERVE "if r0 == 0 goto +5\nr1 = 5\n*(u64 *)(r0 + 0) = r1\nr1 = r0\nr2 = 0\n"
	       "call 132\nr0 = 0\nexit", XDP);
}

static void test_ringbuf_overrun(void)
{
	REJECT(RESERVE "if r0 == 0 goto +5\nr1 = 5\n*(u64 *)(r0 + 4) = r1\nr1 = r0\nr2 = 0\n"
	       "call 133\nr0 = 0\nexit", XDP, "invalid access to mem", "has 8 bytes");
}

static void test_ringbuf_use_after_submit(void)
{
	REJECT(RESERVE "if r0 == 0 goto +6\nr6 = r0\nr1 = r0\nr2 = 0\ncall 132\n"
	       "r0 = *(u64 *)(r6 + 0)\nexit\nr0 = 0\nexit", XDP,
	       "R6 invalid mem access 'scalar'", "holds a number");
}

static void test_spin_lock_missing_unlock(void)
{
	REJECT(LOOKUP_ARR "if r0 == 0 goto +3\nr1 = r0\ncall 93\nr0 = 0\nexit", TC,
	       "bpf_spin_unlock is missing", "every path");
}

/* ---- control flow ---- */
static void test_infinite_loop(void)
{
	REJECT("r1 = 0\nr1 += 0\nif r1 < 10 goto -2\nr0 = 0\nexit", XDP, "infinite loop detected",
	       "may never end");
}

static void test_complexity_limit(void)
{
	/* the bound comes from memory: the loop counts up without a visible end */
	T_EQ(run(LOOKUP "if r0 == 0 goto +6\nr1 = *(u64 *)(r0 + 0)\nr2 = 0\nr2 += 1\n"
		 "if r2 != r1 goto -2\nr0 = 0\nexit\nr0 = 0\nexit", XDP, 0, 20000),
	     (uint64_t)-E2BIG);
	T_CONTAINS(res.message, "program is too complex");
	T_CONTAINS(res.hint, "bound loops");
}

static void test_bounded_loop(void)
{
	ACCEPT("r1 = 0\nr0 = 0\nr0 += r1\nr1 += 1\nif r1 < 100 goto -3\nexit", XDP);
}

static void test_correlated_branch(void)
{
	/* a flag set on one branch is tested later: the unsafe combination never happens */
	ACCEPT(LOOKUP "r6 = 0\nif r0 == 0 goto +1\nr6 = 1\nif r6 == 0 goto +2\n"
	       "r0 = *(u64 *)(r0 + 0)\nexit\nr0 = 0\nexit", XDP);
}

static void test_fall_off_end(void)
{
	T_EQ(run("r0 = 0", XDP, 0, 0), (uint64_t)-EINVAL);
	T_CONTAINS(res.message, "fall off");
}

static void test_jump_out_of_range(void)
{
	T_EQ(run("goto +5\nr0 = 0\nexit", XDP, 0, 0), (uint64_t)-EINVAL);
	T_CONTAINS(res.message, "jump out of range");
}

static void test_invalid_opcode(void)
{
	struct xbpf_insn bad[2] = {{0xff, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}};
	T_EQ(xbpf_verify(bad, 2, NULL, &res), (uint64_t)-EINVAL);
	T_CONTAINS(res.message, "invalid instruction");
	T_EQ(xbpf_verify(NULL, 0, NULL, &res), (uint64_t)-EINVAL);
	T_CONTAINS(res.message, "empty program");
}

/* byte swaps give the swapped value (any 16-bit value here), not their width */
static void test_byte_swap_value(void)
{
	const char *fmt = "r6 = r1\n" LOOKUP_ARR "if r0 == 0 goto +4\nr1 = *(u32 *)(r6 + 8)\n"
		"r1 = %s r1\nr0 += r1\n*(u8 *)(r0 - 1) = 0\nr0 = 0\nexit";
	char text[512];
	snprintf(text, sizeof text, fmt, "be16");
	REJECT(text, TC, "invalid access to map_value", "check the index");
	snprintf(text, sizeof text, fmt, "bswap64");  /* the u32 lands in the high half */
	REJECT(text, TC, "unbounded value", "bound the value");
}

static void test_division_by_zero_is_fine(void)
{
	ACCEPT("r0 = 10\nr1 = 0\nr0 /= r1\nr0 %= r1\nexit", XDP);
}

static void test_ldabs_wrong_type(void)
{
	REJECT("r6 = r1\nr0 = *(u8 *)skb[12]\nexit", XDP, "BPF_LD_[ABS|IND] instructions not allowed",
	       "socket filter and tc");
	ACCEPT("r6 = r1\nr0 = *(u8 *)skb[12]\nexit", SOCK);
}

/* ---- bpf-to-bpf calls ---- */
static void test_local_call_stack_arg(void)
{
	ACCEPT("r1 = 5\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\ncall f\nexit\n"
	       "f:\nr0 = *(u64 *)(r1 + 0)\nexit", XDP);
}

static void test_return_stack_pointer(void)
{
	REJECT("call f\nr0 = 0\nexit\nf:\nr0 = r10\nr0 += -8\nexit", XDP,
	       "cannot return stack pointer", "dies when it returns");
}

static void test_recursion_too_deep(void)
{
	REJECT("call f\nr0 = 0\nexit\nf:\ncall f\nr0 = 0\nexit", XDP, "is too deep",
	       "at most 8 deep");
}

/* ---- callbacks (bpf_loop, bpf_for_each_map_elem) ---- */
/* bpf_loop(10, cb, fp-8, 0) with fp-8 = 0; the callback at insn 12 gets (index, ctx). */
#define LOOP_HEAD "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 10\nr2 = func(8) ll\nr3 = r10\n" \
	"r3 += -8\nr4 = 0\ncall 181\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"
static void test_bpf_loop_callback(void)
{
	ACCEPT(LOOP_HEAD "r0 = *(u64 *)(r2 + 0)\nr0 += 1\n*(u64 *)(r2 + 0) = r0\nr0 = 0\nexit",
	       XDP);
	REJECT(LOOP_HEAD "r0 = 2\nexit", XDP, "should be in [0, 1]", "returns 0 (continue)");
	/* ctx is 8 bytes of the caller's stack: reading past it leaves the stack */
	T_EQ(run(LOOP_HEAD "r0 = *(u64 *)(r2 + 8)\nr0 = 0\nexit", XDP, 0, 0), (uint64_t)-EACCES);
	/* the index is any u32: it cannot index the ctx unchecked */
	T_EQ(run(LOOP_HEAD "r2 += r1\nr0 = *(u8 *)(r2 + 0)\nr0 = 0\nexit", XDP, 0, 0),
	     (uint64_t)-EACCES);
	REJECT("r1 = 1\nr2 = 0\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit", XDP,
	       "expected=func", "function's address");
	/* the helper bounds the callback's iterations, not a loop around the call */
	REJECT("r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 10\nr2 = func(6) ll\nr3 = r10\n"
	       "r3 += -8\nr4 = 0\ncall 181\ngoto -8\nr0 = 0\nexit", XDP,
	       "infinite loop detected", "may never end");
}

/* A counter in the caller's stack grows by one per iteration and bounds a write into a
 * 16-byte buffer: the iterations are followed until the counter's check fails. */
#define COUNTER_HEAD "r1 = 0\n*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 16) = r1\n" \
	"*(u64 *)(r10 - 8) = r1\nr1 = 100\nr2 = func(7) ll\nr3 = r10\nr3 += -24\nr4 = 0\n" \
	"call 181\nr0 = 0\nexit\n" \
	"r3 = *(u64 *)(r2 + 0)\n"
#define COUNTER_TAIL "r0 = 1\nexit\nr4 = r2\nr4 += 8\nr4 += r3\nr5 = 0\n" \
	"*(u8 *)(r4 + 0) = r5\nr3 += 1\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit"
static void test_bpf_loop_counter(void)
{
	ACCEPT(COUNTER_HEAD "if r3 < 16 goto +2\n" COUNTER_TAIL, XDP);
	/* off by one: the 17th write lands on the caller's fp+0 */
	T_EQ(run(COUNTER_HEAD "if r3 < 17 goto +2\n" COUNTER_TAIL, XDP, 0, 0),
	     (uint64_t)-EACCES);
	T_CONTAINS(res.message, "invalid write to stack");
}

/* bpf_for_each_map_elem(arr, cb, NULL, 0); the callback at insn 9 gets (map, key, value,
 * ctx): a 4-byte read-only key and a 16-byte value. */
#define FOREACH_HEAD "r1 = map_idx(2) ll\nr2 = func(6) ll\nr3 = 0\nr4 = 0\ncall 164\n" \
	"r0 = 0\nexit\n"
static void test_for_each_callback(void)
{
	ACCEPT(FOREACH_HEAD "r0 = *(u32 *)(r2 + 0)\nr0 = *(u64 *)(r3 + 8)\n"
	       "*(u64 *)(r3 + 0) = r0\nr0 = 0\nexit", XDP);
	T_EQ(run(FOREACH_HEAD "r0 = *(u64 *)(r3 + 16)\nr0 = 0\nexit", XDP, 0, 0),
	     (uint64_t)-EACCES);
	T_CONTAINS(res.message, "map_value");
	REJECT(FOREACH_HEAD "r0 = 0\n*(u32 *)(r2 + 0) = r0\nexit", XDP, "map_key",
	       "read-only");
	REJECT(FOREACH_HEAD "r0 = *(u64 *)(r4 + 0)\nr0 = 0\nexit", XDP, "", "");
}

/* syscall programs: the context is the caller's buffer, read and written below 64 KiB */
static void test_syscall_ctx(void)
{
	ACCEPT("r0 = *(u32 *)(r1 + 100)\n*(u64 *)(r1 + 8) = r0\nr0 = 0\nexit",
	       XBPF_PROG_TYPE_SYSCALL);
	REJECT("r0 = *(u32 *)(r1 - 4)\nr0 = 0\nexit", XBPF_PROG_TYPE_SYSCALL,
	       "invalid bpf_context access", "");
	REJECT("r0 = *(u32 *)(r1 + 2)\nr0 = 0\nexit", XBPF_PROG_TYPE_SYSCALL,
	       "invalid bpf_context access", "");
}

/* a 4-byte spill of a scalar that fits keeps its value; the other 4 bytes stay unwritten */
static void test_narrow_spill(void)
{
	ACCEPT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr1 = *(u32 *)(r10 - 8)\nif r1 == 3 goto +1\n"
	       "r0 = r5\nr0 = 0\nexit", XDP);
	REJECT_STRICT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit", XDP,
		      "invalid read from stack", "read before anything was written");
	REJECT_STRICT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 4)\nexit", XDP,
		      "invalid read from stack", "read before anything was written");
	/* by default: partly or not initialised, an unknown value (not 3) */
	ACCEPT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit", XDP);
	ACCEPT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 4)\nexit", XDP);
	REJECT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\nif r1 == 3 goto +2\n"
	       "r0 = 0\nexit\nr0 = *(u64 *)(r1 + 0)\nexit", XDP, "invalid mem access", "");
	REJECT("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\nif r1 != 3 goto +2\n"
	       "r0 = 0\nexit\nr0 = *(u64 *)(r1 + 0)\nexit", XDP, "invalid mem access", "");
}

/* ---- explanations and log ---- */
static void test_explanation(void)
{
	T_EQ(run(LOOKUP "if r0 != 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nexit", XDP, 1, 0),
	     (uint64_t)-EACCES);
	T_EQ(res.insn, 8);
	T_CONTAINS(res.explanation, "insn 8: r0 = *(u64 *)(r0 + 0)");
	T_CONTAINS(res.explanation, "state: R0=0");
	T_CONTAINS(res.explanation, "path: 7:fallthrough");
	T_CONTAINS(res.explanation, "hint:");
	T_CONTAINS(logbuf, "error: R0 invalid mem access 'scalar'");
}

static void test_level2_log(void)
{
	T_EQ(run(PKT "r0 = 0\nexit", XDP, 2, 0), 0);
	T_CONTAINS(logbuf, "0: (61) r2 = *(u32 *)(r1 + 0) ; R2=pkt(r=0) R1=ctx()");
	T_CONTAINS(logbuf, "1: (61) r3 = *(u32 *)(r1 + 4) ; R3=pkt_end() R1=ctx()");
	T_CONTAINS(logbuf, "2: (b7) r0 = 0 ; R0=0");
	T_EQ(res.insns_processed, 4);
}

static void test_opts_abi(void)
{
	/* an older, smaller opts struct: fields past sz read as zero */
	struct xbpf_insn p[2] = {{0xb7, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}};
	struct xbpf_verify_opts o = {.sz = offsetof(struct xbpf_verify_opts, vm),
				     .prog_type = XDP};
	T_EQ(xbpf_verify(p, 2, &o, NULL), 0);
}

static void test_loader_hook(void)
{
	/* the entry point the loader calls on a loaded program */
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	struct xbpf_insn good[2] = {{0xb7, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}};
	struct xbpf_insn bad[2] = {{0x79, 0, 1, 0, 0}, {0x95, 0, 0, 0, 0}}; /* r0 = *(u64 *)(r1) */
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .prog_type = XDP};
	char log[256] = "";
	T_CHECK(vm != NULL);
	struct xbpf_prog *p = xbpf_prog__load(vm, good, 2, &lo);
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(vrf_verify(p, log, sizeof log), 0);
		xbpf_prog__free(p);
	}
	p = xbpf_prog__load(vm, bad, 2, &lo);
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(vrf_verify(p, log, sizeof log), (uint64_t)-EACCES);
		T_CONTAINS(log, "insn 0: invalid bpf_context access off=0 size=8");
		xbpf_prog__free(p);
	}
	xbpf_vm__free(vm);
}

T_MAIN(test_loader_hook, test_bpf_loop_callback, test_bpf_loop_counter,
       test_for_each_callback, test_syscall_ctx, test_narrow_spill, test_uninit_register, test_exit_without_r0, test_call_clobbers_args,
       test_uninit_stack_read, test_uninit_slot_prunes_soundly, test_uninit_stack_runs_zeroed,
       test_stack_out_of_bounds, test_partial_pointer_spill,
       test_partial_pointer_fill, test_spill_fill_keeps_pointer, test_null_deref,
       test_null_checked_lookup, test_map_value_out_of_bounds, test_map_value_negative_index,
       test_map_value_bounded_index, test_map_value_unbounded_math, test_linked_copy_bounds,
       test_readonly_map_write, test_readonly_map_constant, test_pointer_leak_into_map,
       test_pointer_leak_via_helper,
       test_packet_unchecked, test_packet_beyond_range, test_packet_checked_all_forms,
       test_packet_write_readonly_type, test_pkt_end_arithmetic, test_ctx_bad_offset,
       test_ctx_write_readonly, test_ctx_socket_filter_no_data, test_ctx_modified_pointer,
       test_ctx_tc_write_mark, test_pointer_plus_pointer, test_pointer_bitwise,
       test_pointer_32bit, test_pointer_difference_is_scalar, test_scalar_deref,
       test_return_pointer, test_helper_wrong_prog_type, test_helper_unknown,
       test_helper_uninit_mem, test_helper_unbounded_size, test_helper_zero_size,
       test_helper_map_arg, test_helper_writes_stack, test_ringbuf_leak, test_ringbuf_ok,
       test_ringbuf_overrun, test_ringbuf_use_after_submit, test_spin_lock_missing_unlock,
       test_infinite_loop, test_complexity_limit, test_bounded_loop, test_correlated_branch,
       test_fall_off_end, test_jump_out_of_range, test_invalid_opcode,
       test_division_by_zero_is_fine, test_byte_swap_value, test_ldabs_wrong_type, test_local_call_stack_arg,
       test_return_stack_pointer, test_recursion_too_deep, test_explanation, test_level2_log,
       test_opts_abi)
