/* test_helpers.c - the built-in helpers and program contexts through the public API:
 * tiny programs (built here instruction by instruction) call one helper and return its
 * result, run with xbpf_prog__run or xbpf_prog__test_run. Kernel semantics are asserted
 * value by value (limits, error codes, zero-filling); non-deterministic helpers (time,
 * random, ids) get property checks. tests/progs/ compares against the kernel itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "helpers/helpers.h"

/* ---- program building ---------------------------------------------------------------- */
#define I(c, d, s, o, i) ((struct xbpf_insn){(c), (d), (s), (o), (i)})
#define LDDW(d, v) I(0x18, d, 0, 0, (int32_t)(uint32_t)(v)), I(0, 0, 0, 0, (int32_t)((uint64_t)(v) >> 32))
#define MOVI(d, v) I(0xb7, d, 0, 0, v)          /* rD = imm */
#define MOVR(d, s) I(0xbf, d, s, 0, 0)          /* rD = rS */
#define ADDI(d, v) I(0x07, d, 0, 0, v)          /* rD += imm */
#define SUBR(d, s) I(0x1f, d, s, 0, 0)          /* rD -= rS */
#define LDXW(d, s, o) I(0x61, d, s, o, 0)       /* rD = *(u32 *)(rS + off) */
#define LDXDW(d, s, o) I(0x79, d, s, o, 0)      /* rD = *(u64 *)(rS + off) */
#define STW(d, o, v) I(0x62, d, 0, o, v)        /* *(u32 *)(rD + off) = imm */
#define STXDW(d, s, o) I(0x7b, d, s, o, 0)      /* *(u64 *)(rD + off) = rS */
#define CALL(id) I(0x85, 0, 0, 0, id)
#define EXIT I(0x95, 0, 0, 0, 0)

static struct xbpf_vm *vm;
static char run_log[512];

static struct xbpf_vm *get_vm(void)
{
	if (!vm) {
		struct xbpf_vm_opts o = {.sz = sizeof o, .engine = t_engine()};
		vm = xbpf_vm__new(&o);
	}
	return vm;
}

static struct xbpf_prog *load(const struct xbpf_insn *insns, size_t n, uint32_t type,
			      uint32_t flags)
{
	char log[512] = "";
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log, .log_size = sizeof log,
					.prog_type = type, .flags = flags};
	struct xbpf_prog *p = xbpf_prog__load(get_vm(), insns, n, &o);
	if (!p)
		fprintf(stderr, "load failed: %s\n", log);
	return p;
}
#define LOAD(type, flags, ...) ({ const struct xbpf_insn ins_[] = {__VA_ARGS__}; \
	load(ins_, sizeof ins_ / sizeof ins_[0], type, flags); })

/* Call helper `id` with r1-r5 = a[0..4] (no runtime checks: arguments point at test
 * memory) and return r0. */
static uint64_t call5(uint32_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5)
{
	struct xbpf_prog *p = LOAD(0, XBPF_PROG_F_NO_CHECKS, LDDW(1, a1), LDDW(2, a2),
				   LDDW(3, a3), LDDW(4, a4), LDDW(5, a5), CALL(id), EXIT);
	if (!p)
		return 0xdeadbeef;
	uint64_t r0 = 0xdeadbeef;
	int err = xbpf_prog__exec(p, NULL, 0, &r0);
	T_EQ(err, 0);
	xbpf_prog__free(p);
	return r0;
}
#define CALL0(id) call5(id, 0, 0, 0, 0, 0)
#define P(x) ((uint64_t)(uintptr_t)(x))
#define NEG(e) ((uint64_t)(int64_t)-(e))

/* ---- registry ------------------------------------------------------------------------- */
static void test_registry(void)
{
	struct xbpf_vm *v = get_vm();
	T_CHECK(v != NULL);
	T_EQ(xbpf_vm__helper_id(v, "bpf_ktime_get_ns"), 5);
	T_EQ(xbpf_vm__helper_id(v, "trace_printk"), 6);
	T_EQ(xbpf_vm__helper_id(v, "bpf_xdp_adjust_head"), 44);
	T_EQ(xbpf_vm__helper_id(v, "bpf_loop"), 181);
	T_STREQ(xbpf_vm__helper_name(v, 115), "bpf_probe_read_kernel_str");
	const struct xbpf_helper_proto *pr = xbpf_vm__helper_proto(v, 4);
	T_CHECK(pr != NULL);
	if (pr) {
		T_EQ(pr->args[0], XBPF_ARG_PTR_TO_UNINIT_MEM);
		T_EQ(pr->args[1], XBPF_ARG_CONST_SIZE_OR_ZERO);
		T_EQ(pr->args[2], XBPF_ARG_ANYTHING);
		T_CHECK(pr->flags & XBPF_HELPER_F_GPL_ONLY);
	}
	pr = xbpf_vm__helper_proto(v, 181);
	T_CHECK(pr && pr->args[1] == XBPF_ARG_PTR_TO_FUNC &&
		pr->args[2] == XBPF_ARG_PTR_TO_STACK_OR_NULL);
	unsigned n = xbpf_builtin_helper_cnt(), id;
	const char *name;
	T_CHECK(n >= 40);
	for (unsigned i = 0; i < n; i++) {
		T_EQ(xbpf_builtin_helper(i, &id, &name, NULL), 0);
		T_STREQ(xbpf_vm__helper_name(v, id), name);
	}
	T_EQ(xbpf_builtin_helper(n, &id, &name, NULL), -ENOENT);
}

/* ---- time, ids, random ------------------------------------------------------------------- */
static uint64_t now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_time(void)
{
	uint64_t t0 = now(CLOCK_MONOTONIC), a = CALL0(5), b = CALL0(5), t1 = now(CLOCK_MONOTONIC);
	T_CHECK(t0 <= a && a <= b && b <= t1);
	uint64_t bt0 = now(CLOCK_BOOTTIME), boot = CALL0(125), bt1 = now(CLOCK_BOOTTIME);
	T_CHECK(bt0 <= boot && boot <= bt1);
	T_CHECK(boot >= a);
	uint64_t coarse = CALL0(160);
	T_CHECK(coarse <= now(CLOCK_MONOTONIC) && coarse + 100000000ull > t1);
	uint64_t j1 = CALL0(118);
	struct timespec d = {0, 12000000};
	nanosleep(&d, NULL);
	uint64_t j2 = CALL0(118);
	T_CHECK(j2 > j1);            /* 12 ms is 3 jiffies at HZ=250 */
	T_CHECK(j2 - j1 < 250 * 5);  /* and not seconds */
}

static void test_ids(void)
{
	T_EQ(CALL0(14), ((uint64_t)getpid() << 32) | (uint32_t)gettid());
	T_EQ(CALL0(15), ((uint64_t)getgid() << 32) | getuid());
	T_EQ(CALL0(42), 0);
	uint64_t first = CALL0(7);
	bool differs = false;
	for (int i = 0; i < 32; i++) {
		uint64_t r = CALL0(7);
		T_CHECK(r <= UINT32_MAX);
		differs |= r != first;
	}
	T_CHECK(differs);
	/* smp_processor_id is the run's worker slot */
	struct xbpf_prog *p = LOAD(0, 0, CALL(8), EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	uint8_t mem[8] = {0};
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = mem, .data_size_in = 8,
				       .flags = XBPF_F_TEST_RUN_ON_CPU, .cpu = 3};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 3);
	o.flags = 0;
	T_EQ(xbpf_prog__test_run(p, &o), -EINVAL); /* cpu without the flag */
	xbpf_prog__free(p);
}

static void test_comm(void)
{
	char old[17] = {0}, buf[16];
	prctl(PR_GET_NAME, old, 0, 0, 0);
	prctl(PR_SET_NAME, "xbpf-comm", 0, 0, 0);
	memset(buf, 0x55, sizeof buf);
	T_EQ(call5(16, P(buf), 16, 0, 0, 0), 0);
	T_STREQ(buf, "xbpf-comm");
	T_EQ(buf[15], 0); /* padded */
	memset(buf, 0x55, sizeof buf);
	T_EQ(call5(16, P(buf), 4, 0, 0, 0), 0);
	T_STREQ(buf, "xbp");
	T_EQ((uint8_t)buf[4], 0x55);
	prctl(PR_SET_NAME, old, 0, 0, 0);
}

/* ---- probe_read ---------------------------------------------------------------------------- */
static void test_probe_read(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *two = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_CHECK(two != MAP_FAILED);
	/* second page inaccessible (PROT_NONE, not unmapped: a later mmap, e.g. the JIT's
	 * code pages, could take an unmapped hole) */
	mprotect(two + pg, (size_t)pg, PROT_NONE);
	uint8_t *edge = two + pg;     /* first inaccessible byte */
	char src[] = "hello, world", dst[32];
	for (int id = 0; id < 3; id++) {
		uint32_t h = id == 0 ? 4 : id == 1 ? 112 : 113;
		memset(dst, 0xaa, sizeof dst);
		T_EQ(call5(h, P(dst), 5, P(src), 0, 0), 0);
		T_CHECK(!memcmp(dst, "hello", 5) && (uint8_t)dst[5] == 0xaa);
		memset(dst, 0xaa, sizeof dst);
		/* NULL: user variants fault, the kernel one says "not kernel memory" */
		T_EQ(call5(h, P(dst), 8, 0, 0, 0), NEG(h == 113 ? ERANGE : EFAULT));
		T_CHECK(!memcmp(dst, "\0\0\0\0\0\0\0\0", 8) && (uint8_t)dst[8] == 0xaa);
		memset(edge - 3, 'x', 3);
		memset(dst, 0xaa, sizeof dst);
		T_EQ(call5(h, P(dst), 4, P(edge - 3), 0, 0), NEG(EFAULT)); /* crosses */
		T_EQ(dst[0], 0);
		T_EQ(call5(h, P(dst), 3, P(edge - 3), 0, 0), 0);
		/* size 0: nothing to read, but the kernel variant still checks the range */
		T_EQ(call5(h, P(dst), 0, 1, 0, 0), h == 113 ? NEG(ERANGE) : 0);
	}
	for (int id = 0; id < 3; id++) {
		uint32_t h = id == 0 ? 45 : id == 1 ? 114 : 115;
		memset(dst, 0xaa, sizeof dst);
		T_EQ(call5(h, P(dst), 32, P(src), 0, 0), 13);
		T_STREQ(dst, "hello, world");
		/* kernel variant: nothing after the NUL; user: zeroed to the end of its word */
		T_EQ((uint8_t)dst[13], h == 115 ? 0xaa : 0);
		T_EQ((uint8_t)dst[15], h == 115 ? 0xaa : 0);
		T_EQ((uint8_t)dst[16], 0xaa);
		T_EQ(call5(h, P(dst), 6, P(src), 0, 0), 6);
		T_STREQ(dst, "hello");
		T_EQ(call5(h, P(dst), 0, P(src), 0, 0), 0);
		memcpy(edge - 3, "ab", 3); /* NUL right before the hole */
		T_EQ(call5(h, P(dst), 32, P(edge - 3), 0, 0), 3);
		T_STREQ(dst, "ab");
		memset(edge - 3, 'x', 3); /* no NUL before the hole */
		memset(dst, 0xaa, sizeof dst);
		T_EQ(call5(h, P(dst), 32, P(edge - 3), 0, 0), NEG(EFAULT));
		T_EQ(dst[0], 0);
		T_EQ(dst[31], 0);
		T_EQ(call5(h, P(dst), 3, P(edge - 3), 0, 0), 3); /* stops before the hole */
		T_STREQ(dst, "xx");
		T_EQ(call5(h, P(dst), 8, 0xffffffffffffff00ull, 0, 0), NEG(EFAULT));
	}
	munmap(two, (size_t)pg * 2);
}

/* The same through the pipe fallback (for where process_vm_readv is refused). */
static void test_probe_read_pipe(void)
{
	hlp_probe_use_pipe(true);
	test_probe_read();
	hlp_probe_use_pipe(false);
}

/* With runtime checks on, a destination outside the program's memory ends the run. */
static void test_helper_arg_checks(void)
{
	char dst[8];
	struct xbpf_prog *p = LOAD(0, 0, LDDW(1, P(dst)), MOVI(2, 8), MOVI(3, 0), CALL(4), EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	struct xbpf_run_opts o = {.sz = sizeof o, .log_buf = run_log, .log_size = sizeof run_log};
	T_EQ(xbpf_prog__run(p, &o), -EFAULT);
	T_CONTAINS(run_log, "bpf_probe_read");
	T_CONTAINS(run_log, "arg1");
	xbpf_prog__free(p);
	/* the same destination on the stack is fine */
	p = LOAD(0, 0, MOVR(1, 10), ADDI(1, -8), MOVI(2, 8), MOVI(3, 0), CALL(4), EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	struct xbpf_run_opts o2 = {.sz = sizeof o2};
	T_EQ(xbpf_prog__run(p, &o2), 0);
	T_EQ(o2.retval, NEG(EFAULT)); /* reading address 0 */
	xbpf_prog__free(p);
}

/* ---- strings and numbers ------------------------------------------------------------------ */
static void test_strtol(void)
{
	struct { const char *s; uint64_t flags; int64_t ret, val; } l[] = {
		{"123", 0, 3, 123}, {"  -42x", 0, 5, -42}, {"0x1f", 0, 4, 31}, {"0x1f", 16, 4, 31},
		{"1f", 16, 2, 31}, {"017", 0, 3, 15}, {"019", 0, 2, 1}, {"0x", 0, 1, 0},
		{"99999999999999999999", 0, -ERANGE, 0}, {"9223372036854775808", 10, -ERANGE, 0},
		{"-9223372036854775808", 10, 20, INT64_MIN}, {"", 0, -EINVAL, 0},
		{"-", 0, -EINVAL, 0}, {"abc", 10, -EINVAL, 0}, {"12", 7, -EINVAL, 0},
		{"12", 0x20, -EINVAL, 0}, {"  ", 0, -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
		int64_t v = 0x1234;
		size_t len = strlen(l[i].s) ? strlen(l[i].s) : 1;
		uint64_t r = call5(105, P(l[i].s), len, l[i].flags, P(&v), 0);
		if ((int64_t)r != l[i].ret || (l[i].ret > 0 && v != l[i].val))
			fprintf(stderr, "strtol case %zu ('%s'): ret %lld val %lld\n", i, l[i].s,
				(long long)r, (long long)v);
		T_EQ(r, (uint64_t)l[i].ret);
		if (l[i].ret > 0)
			T_EQ(v, l[i].val);
	}
	uint64_t u = 0;
	T_EQ(call5(106, P("9223372036854775808"), 19, 10, P(&u), 0), 19);
	T_EQ(u, 9223372036854775808ull);
	T_EQ(call5(106, P("-5"), 2, 0, P(&u), 0), NEG(EINVAL));
	T_EQ(call5(106, P("18446744073709551616"), 20, 0, P(&u), 0), NEG(ERANGE));
	T_EQ(call5(106, P("12345"), 3, 0, P(&u), 0), 3); /* only buf_len characters */
	T_EQ(u, 123);
}

static void test_strncmp(void)
{
	T_EQ(call5(182, P("abc"), 3, P("abd"), 0, 0), (uint64_t)-1);
	T_EQ(call5(182, P("abc"), 3, P("abc"), 0, 0), 0);
	T_EQ(call5(182, P("b"), 1, P("a"), 0, 0), 1);
	T_EQ(call5(182, P("abx"), 2, P("abc"), 0, 0), 0);
	T_EQ(call5(182, P("ab\0x"), 4, P("ab"), 0, 0), 0);
	T_EQ(call5(182, P("ab"), 3, P("abc"), 0, 0), (uint64_t)-1);
}

static void test_csum_diff(void)
{
	/* Linux >= 6.13: partial sums, 16-bit folded, any sizes */
	uint8_t to[4] = {1, 2, 3, 4}, from[4] = {1, 2, 3, 4}, z[8] = {0};
	T_EQ(call5(28, 0, 0, P(to), 4, 0), 0x0604);          /* 0x0403 + 0x0201 */
	T_EQ(call5(28, P(from), 4, P(to), 4, 0), 0xffff);    /* x - x */
	T_EQ(call5(28, 0, 0, P(z), 8, 0), 0);                /* all zero */
	T_EQ(call5(28, 0, 0, P(z), 8, 5), 5);                /* seed only */
	T_EQ(call5(28, 0, 0, 0, 0, 0x12345), 0x2346);        /* nothing: the seed folded */
	uint8_t big[8] = {0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0};
	T_EQ(call5(28, 0, 0, P(big), 8, 0), 2);              /* end-around carry */
	T_EQ(call5(28, 0, 0, P(to), 3, 0), 0x0204);          /* odd size: zero-padded */
	T_EQ(call5(28, P(to), 4, 0, 0, 0), 0xf9fb);          /* pulling: ~0x0604 */
}

/* ---- formatting ---------------------------------------------------------------------------- */
static char sink_buf[2048];
static int sink_calls;
static void sink(void *cookie, const char *msg, size_t len)
{
	(void)cookie;
	snprintf(sink_buf, sizeof sink_buf, "%.*s", (int)len, msg);
	sink_calls++;
}

static void test_trace_printk(void)
{
	xbpf_vm__set_trace_sink(get_vm(), sink, NULL);
	const char f1[] = "a=%d b=%u c=%x";
	T_EQ(call5(6, P(f1), sizeof f1, (uint64_t)-5, 0xffffffff, 255), 22);
	T_STREQ(sink_buf, "a=-5 b=4294967295 c=ff");
	const char f2[] = "%lld|%llx|%5d";
	T_EQ(call5(6, P(f2), sizeof f2, (uint64_t)-7, 0xabcdef0123ull, 42), 19);
	T_STREQ(sink_buf, "-7|abcdef0123|   42");
	const char f2b[] = "%-4u|%05x|%c";
	T_EQ(call5(6, P(f2b), sizeof f2b, 7, 0x2a, 'Z'), 12);
	T_STREQ(sink_buf, "7   |0002a|Z");
	/* more conversions than trace_printk's three arguments */
	const char f3[] = "%d %d %d %d";
	int before = sink_calls;
	T_EQ(call5(6, P(f3), sizeof f3, 1, 2, 3), NEG(EINVAL));
	T_EQ(sink_calls, before);
	const char *bad[] = {"%q", "%.2d", "%hd", "%sx", "%pZ", "%lc", "tab\x01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		T_EQ(call5(6, P(bad[i]), strlen(bad[i]) + 1, 1, 2, 3), NEG(EINVAL));
	const char nonul[4] = {'a', 'b', 'c', 'd'};
	T_EQ(call5(6, P(nonul), 4, 0, 0, 0), NEG(EINVAL));
	const char f4[] = "100%% %s!";
	T_EQ(call5(6, P(f4), sizeof f4, P("ok"), 0, 0), 8);
	T_STREQ(sink_buf, "100% ok!");
	const char f5[] = "[%s]";
	T_EQ(call5(6, P(f5), sizeof f5, 8, 0, 0), 2); /* unreadable string: empty */
	T_STREQ(sink_buf, "[]");
	uint8_t ip[16] = {10, 0, 0, 1};
	const char f6[] = "%pI4 %pi4";
	call5(6, P(f6), sizeof f6, P(ip), P(ip), 0);
	T_STREQ(sink_buf, "10.0.0.1 010.000.000.001");
	uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	const char f7[] = "%pI6";
	call5(6, P(f7), sizeof f7, P(ip6), 0, 0);
	T_STREQ(sink_buf, "2001:0db8:0000:0000:0000:0000:0000:0001");
	xbpf_vm__set_trace_sink(get_vm(), NULL, NULL);
}

static void test_vprintk_snprintf(void)
{
	xbpf_vm__set_trace_sink(get_vm(), sink, NULL);
	uint64_t args[4] = {1, 2, 3, 4};
	const char f[] = "%d-%d-%d-%d";
	T_EQ(call5(177, P(f), sizeof f, P(args), 32, 0), 7);
	T_STREQ(sink_buf, "1-2-3-4");
	T_EQ(call5(177, P(f), sizeof f, P(args), 24, 0), NEG(EINVAL)); /* 3 args for 4 */
	T_EQ(call5(177, P(f), sizeof f, P(args), 12, 0), NEG(EINVAL)); /* not 8-aligned */
	xbpf_vm__set_trace_sink(get_vm(), NULL, NULL);
	char out[8];
	memset(out, 0x55, sizeof out);
	T_EQ(call5(165, P(out), sizeof out, P("%d-%d-%d-%d"), P(args), 32), 8);
	T_STREQ(out, "1-2-3-4");
	T_EQ(call5(165, P(out), 4, P("%d-%d-%d-%d"), P(args), 32), 8); /* truncated */
	T_STREQ(out, "1-2");
	T_EQ(call5(165, 0, 0, P("%d-%d-%d-%d"), P(args), 32), 8);       /* size only */
	T_EQ(call5(165, P(out), sizeof out, P("%d %d"), P(args), 8), NEG(EINVAL));
}

/* bpf_loop: callback(i, ctx) returns 1 at i == 3. */
static void test_loop(void)
{
	struct xbpf_prog *p = LOAD(0, 0,
		MOVI(1, 10),                                 /* 0: nr_loops */
		I(0x18, 2, 4, 0, 6), I(0, 0, 0, 0, 0),       /* 1: r2 = callback (insn 8) */
		MOVR(3, 10), ADDI(3, -8),                    /* 3: ctx = fp - 8 */
		MOVI(4, 0),                                  /* 5: flags */
		CALL(181),                                   /* 6 */
		EXIT,                                        /* 7 */
		MOVI(0, 0),                                  /* 8: callback */
		I(0x55, 1, 0, 1, 3),                         /* 9: if r1 != 3 goto 11 */
		MOVI(0, 1),                                  /* 10 */
		EXIT);                                       /* 11 */
	T_CHECK(p != NULL);
	if (!p)
		return;
	uint64_t r0 = 0;
	T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
	T_EQ(r0, 4);
	xbpf_prog__free(p);
	p = LOAD(0, 0, MOVI(1, 10), I(0x18, 2, 4, 0, 5), I(0, 0, 0, 0, 0), MOVI(3, 0),
		 MOVI(4, 1), CALL(181), EXIT, MOVI(0, 0), EXIT);
	if (!p)
		return;
	T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
	T_EQ(r0, NEG(EINVAL)); /* flags must be 0 */
	xbpf_prog__free(p);
}

/* ---- contexts -------------------------------------------------------------------------------- */
static uint8_t pkt[64];

static void init_pkt(void)
{
	for (size_t i = 0; i < sizeof pkt; i++)
		pkt[i] = (uint8_t)i;
	pkt[12] = 0x08;
	pkt[13] = 0x00; /* IPv4 */
}

/* r0 = data_end - data, read from the xdp_md as the program sees it */
static void test_xdp_ctx(void)
{
	init_pkt();
	struct xbpf_prog *p = LOAD(XBPF_PROG_TYPE_XDP, 0, LDXW(2, 1, 0), LDXW(3, 1, 4),
				   MOVR(0, 3), SUBR(0, 2), LDXW(4, 1, 12), I(0x0f, 0, 4, 0, 0),
				   LDXW(5, 2, 0), EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	uint8_t out[128];
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt, .data_size_in = 64,
				       .data_out = out, .data_size_out = sizeof out};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 64 + 1);  /* length + ingress_ifindex (loopback) */
	T_EQ(o.data_size_out, 64);
	T_CHECK(!memcmp(out, pkt, 64));
	o.data_size_in = 13;     /* shorter than an Ethernet header */
	T_EQ(xbpf_prog__test_run(p, &o), -EINVAL);
	/* metadata in front of the packet, given through ctx_in */
	struct xbpf_xdp_md md = {.data = 8, .data_end = 64}, mo;
	o = (struct xbpf_test_run_opts){.sz = sizeof o, .data_in = pkt, .data_size_in = 64,
		.data_out = out, .data_size_out = sizeof out, .ctx_in = &md,
		.ctx_size_in = sizeof md, .ctx_out = &mo, .ctx_size_out = sizeof mo};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 56 + 1);
	T_EQ(o.data_size_out, 64);
	T_EQ(mo.data, 8);
	T_EQ(mo.data_end, 64);
	struct xbpf_xdp_md bad[] = {{.data = 8, .data_end = 63}, {.data = 3, .data_end = 64},
				    {.data = 65, .data_end = 64}, {.data_meta = 1, .data_end = 64},
				    {.data_end = 64, .egress_ifindex = 1},
				    {.data_end = 64, .rx_queue_index = 1}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o.ctx_in = &bad[i];
		T_EQ(xbpf_prog__test_run(p, &o), -EINVAL);
	}
	xbpf_prog__free(p);
}

/* r2 = delta; call helper; the packet and result as the kernel gives them */
static int64_t xdp_adjust(uint32_t helper, int32_t delta, uint32_t *out_len, uint8_t *out)
{
	struct xbpf_prog *p = LOAD(XBPF_PROG_TYPE_XDP, 0, MOVI(2, delta), CALL(helper), EXIT);
	if (!p)
		return -999;
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt, .data_size_in = 64,
				       .data_out = out, .data_size_out = 4096};
	int err = xbpf_prog__test_run(p, &o);
	xbpf_prog__free(p);
	if (err)
		return -1000 + err;
	*out_len = o.data_size_out;
	return (int64_t)o.retval;
}

static void test_xdp_adjust(void)
{
	static uint8_t out[4096];
	uint32_t len = 0;
	init_pkt();
	T_EQ(xdp_adjust(44, -14, &len, out), 0);
	T_EQ(len, 78);
	T_CHECK(!memcmp(out + 14, pkt, 64));
	T_EQ(xdp_adjust(44, -216, &len, out), 0);   /* down to the xdp_frame */
	T_EQ(len, 280);
	T_EQ(xdp_adjust(44, -217, &len, out), -EINVAL);
	T_EQ(xdp_adjust(44, 50, &len, out), 0);     /* 14 bytes left */
	T_EQ(len, 14);
	T_CHECK(!memcmp(out, pkt + 50, 14));
	T_EQ(xdp_adjust(44, 51, &len, out), -EINVAL);
	T_EQ(xdp_adjust(65, -50, &len, out), 0);
	T_EQ(len, 14);
	T_EQ(xdp_adjust(65, -51, &len, out), -EINVAL);
	T_EQ(xdp_adjust(65, 100, &len, out), 0);
	T_EQ(len, 164);
	T_EQ(out[163], 0);
	T_EQ(xdp_adjust(65, 3520 - 64, &len, out), 0); /* up to the tailroom */
	T_EQ(xdp_adjust(65, 3520 - 63, &len, out), -EINVAL);
	T_EQ(xdp_adjust(54, -4, &len, out), 0);
	T_EQ(len, 68);                                 /* data_out starts at data_meta */
	T_EQ(xdp_adjust(54, -32, &len, out), 0);
	T_EQ(xdp_adjust(54, -216, &len, out), 0);      /* metadata up to 255 bytes */
	T_EQ(xdp_adjust(54, -217, &len, out), -EINVAL);/* below the xdp_frame */
	T_EQ(xdp_adjust(54, -3, &len, out), -EACCES);
	T_EQ(xdp_adjust(54, 4, &len, out), -EINVAL);
	T_EQ(xdp_adjust(188, 0, &len, out), 64);       /* xdp_get_buff_len */
	T_EQ(xdp_adjust(23, 0, &len, out), 4);         /* redirect: XDP_REDIRECT */
}

/* The kernel's skb test run refuses an IPv4 frame shorter than 14 + 20 bytes and an IPv6
 * one shorter than 14 + 40 with -EINVAL (measured on Linux 6.x: tc and socket filters). */
static void test_skb_short_ip(void)
{
	init_pkt();
	uint32_t types[2] = {XBPF_PROG_TYPE_SCHED_CLS, XBPF_PROG_TYPE_SOCKET_FILTER};
	static const struct { uint8_t et0, et1; uint32_t min; } eth[] = {
		{0x08, 0x00, 34}, {0x86, 0xdd, 54}, {0x08, 0x06, 14}};
	for (int t = 0; t < 2; t++) {
		struct xbpf_prog *p = LOAD(types[t], 0, MOVI(0, 0), EXIT);
		T_CHECK(p != NULL);
		if (!p)
			return;
		for (size_t e = 0; e < sizeof eth / sizeof eth[0]; e++) {
			pkt[12] = eth[e].et0;
			pkt[13] = eth[e].et1;
			struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt,
						       .data_size_in = eth[e].min, .log_buf = run_log,
						       .log_size = sizeof run_log};
			T_EQ(xbpf_prog__test_run(p, &o), 0);
			if (eth[e].min > 14) {
				o.data_size_in = eth[e].min - 1;
				T_EQ(xbpf_prog__test_run(p, &o), -EINVAL);
				T_CHECK(strstr(run_log, eth[e].min == 34 ? "IPv4" : "IPv6") != NULL);
			}
		}
		xbpf_prog__free(p);
	}
	init_pkt();
}

static void test_skb_ctx(void)
{
	init_pkt();
	/* r0 = len | protocol << 16 ; mark = 7 */
	struct xbpf_prog *p[2];
	uint32_t types[2] = {XBPF_PROG_TYPE_SCHED_CLS, XBPF_PROG_TYPE_SOCKET_FILTER};
	for (int i = 0; i < 2; i++) {
		p[i] = LOAD(types[i], 0, LDXW(0, 1, 0), LDXW(2, 1, 16), I(0x67, 2, 0, 0, 16),
			    I(0x4f, 0, 2, 0, 0), STW(1, 8, 7), EXIT);
		T_CHECK(p[i] != NULL);
		if (!p[i])
			return;
	}
	uint8_t out[128];
	struct xbpf_sk_buff ci = {.mark = 3, .cb = {1, 2, 3, 4, 5}, .ifindex = 1}, co;
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt, .data_size_in = 64,
		.data_out = out, .data_size_out = sizeof out, .ctx_in = &ci,
		.ctx_size_in = sizeof ci, .ctx_out = &co, .ctx_size_out = sizeof co};
	T_EQ(xbpf_prog__test_run(p[0], &o), 0);
	T_EQ(o.retval, 64 | 0x0008u << 16);
	T_CHECK(!memcmp(out, pkt, 64));
	T_EQ(co.mark, 7);
	T_EQ(co.cb[4], 5);
	T_EQ(co.wire_len, 64);
	T_EQ(co.ifindex, 1);
	T_EQ(xbpf_prog__test_run(p[1], &o), 0);
	T_EQ(o.retval, 50 | 0x0008u << 16);      /* L3: from the network header */
	T_EQ(o.data_size_out, 64);
	T_CHECK(!memcmp(out, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14)); /* MAC zeroed */
	T_CHECK(!memcmp(out + 14, pkt + 14, 50));
	T_EQ(co.wire_len, 50);
	ci.len = 1; /* not settable */
	T_EQ(xbpf_prog__test_run(p[0], &o), -EINVAL);
	ci.len = 0;
	ci.wire_len = 10; /* shorter than the packet */
	T_EQ(xbpf_prog__test_run(p[0], &o), -EINVAL);
	for (int i = 0; i < 2; i++)
		xbpf_prog__free(p[i]);
}

/* skb_load_bytes(skb, off, fp-8, 4): r0 = loaded word or the error */
static void test_skb_bytes(void)
{
	init_pkt();
	struct xbpf_prog *p = LOAD(XBPF_PROG_TYPE_SCHED_CLS, 0, LDXW(2, 1, 0), ADDI(2, -4),
		MOVR(3, 10), ADDI(3, -8), STW(10, -8, 0x11111111), MOVI(4, 4), CALL(26),
		I(0x55, 0, 0, 1, 0), LDXW(0, 10, -8), EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt, .data_size_in = 64};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 0x3f3e3d3c);   /* last 4 bytes */
	xbpf_prog__free(p);
	/* one byte further: -EFAULT and the buffer zeroed */
	p = LOAD(XBPF_PROG_TYPE_SCHED_CLS, 0, LDXW(2, 1, 0), ADDI(2, -3), MOVR(3, 10), ADDI(3, -8),
		 STW(10, -8, 0x11111111), MOVI(4, 4), CALL(26), LDXW(1, 10, -8), I(0x4f, 0, 1, 0, 0),
		 EXIT);
	if (!p)
		return;
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, NEG(EFAULT));
	xbpf_prog__free(p);
	/* store 4 bytes at offset 60, then at 61 (fails) */
	uint8_t out[64];
	for (int k = 0; k < 2; k++) {
		p = LOAD(XBPF_PROG_TYPE_SCHED_CLS, 0, STW(10, -8, 0x44434241), MOVI(2, 60 + k),
			 MOVR(3, 10), ADDI(3, -8), MOVI(4, 4), MOVI(5, 0), CALL(9), EXIT);
		if (!p)
			return;
		o = (struct xbpf_test_run_opts){.sz = sizeof o, .data_in = pkt, .data_size_in = 64,
						.data_out = out, .data_size_out = sizeof out};
		T_EQ(xbpf_prog__test_run(p, &o), 0);
		T_EQ(o.retval, k ? NEG(EFAULT) : 0);
		T_CHECK(!memcmp(out + 60, k ? pkt + 60 : (const uint8_t *)"ABCD", 4));
		xbpf_prog__free(p);
	}
}

static void test_raw_and_trace(void)
{
	/* UNSPEC: r0 = *(u64 *)r1 + r2, and the memory comes back */
	struct xbpf_prog *p = LOAD(0, 0, LDXDW(0, 1, 0), I(0x0f, 0, 2, 0, 0), STXDW(1, 0, 8),
				   EXIT);
	T_CHECK(p != NULL);
	if (!p)
		return;
	uint64_t mem[2] = {40, 0}, out[2];
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = mem, .data_size_in = 16,
				       .data_out = out, .data_size_out = 16, .repeat = 10};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 56);
	T_EQ(out[1], 56);
	o.data_size_out = 8;
	T_EQ(xbpf_prog__test_run(p, &o), -ENOSPC);
	T_EQ(o.data_size_out, 16);
	xbpf_prog__free(p);
	/* raw tracepoint: args[1] */
	p = LOAD(XBPF_PROG_TYPE_RAW_TRACEPOINT, 0, LDXDW(0, 1, 8), EXIT);
	if (!p)
		return;
	uint64_t args[3] = {1, 77, 3};
	o = (struct xbpf_test_run_opts){.sz = sizeof o, .ctx_in = args, .ctx_size_in = 24};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 77);
	o.ctx_size_in = 8; /* args[1] not given: out of the context */
	T_EQ(xbpf_prog__test_run(p, &o), -EFAULT);
	xbpf_prog__free(p);
	/* kprobe: get_func_ip gives the regs' ip; r0 = ip + regs->di */
	p = LOAD(XBPF_PROG_TYPE_KPROBE, 0, LDXDW(6, 1, 14 * 8), CALL(173), I(0x0f, 0, 6, 0, 0),
		 EXIT);
	if (!p)
		return;
	struct xbpf_pt_regs regs = {.ip = 0xffffffff81000000ull, .di = 5};
	o = (struct xbpf_test_run_opts){.sz = sizeof o, .ctx_in = &regs, .ctx_size_in = sizeof regs};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(o.retval, 0xffffffff81000005ull);
	xbpf_prog__free(p);
	/* syscall: the context comes back in ctx_out */
	p = LOAD(XBPF_PROG_TYPE_SYSCALL, 0, STW(1, 4, 99), MOVI(0, 0), EXIT);
	if (!p)
		return;
	uint32_t sc[2] = {1, 2}, sco[2] = {0};
	o = (struct xbpf_test_run_opts){.sz = sizeof o, .ctx_in = sc, .ctx_size_in = 8,
					.ctx_out = sco, .ctx_size_out = 8};
	T_EQ(xbpf_prog__test_run(p, &o), 0);
	T_EQ(sco[0], 1);
	T_EQ(sco[1], 99);
	T_EQ(sc[1], 2); /* the input is not written */
	xbpf_prog__free(p);
}

T_MAIN(test_registry, test_time, test_ids, test_comm, test_probe_read, test_probe_read_pipe,
       test_helper_arg_checks,
       test_strtol, test_strncmp, test_csum_diff, test_trace_printk, test_vprintk_snprintf,
       test_loop, test_xdp_ctx, test_xdp_adjust, test_skb_ctx, test_skb_short_ip, test_skb_bytes,
       test_raw_and_trace)
