/* test_verifier_precise.c - dynamic precision (src/verifier/backtrack.c): programs in
 * which pruning would be unsound if one precision mark were missed. Each has a safe path
 * explored first (the verifier follows the fall-through branch first) that stores a state
 * at a join, and an unsafe path that reaches the join later and differs only in a scalar
 * some later check relies on (a decided jump, a fill used as an offset, an argument used
 * in a subprogram, a subprogram's return value, registers linked by a copy, the other
 * operand of a jump, a narrow stack store, a helper's size argument, a narrow read of a
 * spilled zero). Each must be rejected, and its fixed twin accepted. The same programs
 * are loaded into the Linux kernel (bpf(BPF_PROG_LOAD), skipped without privileges)
 * whose verdict must agree.
 * Finally, pruning must still prune: imprecise differences do not multiply paths, also
 * in loops that store more states at one join than its list holds (sort_loops) and in
 * a bpf_loop of more calls than that (bpf_loop_many_calls).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"

/* map 0: 8-byte values, map 1: 1-byte values, map 2: 16-byte values (arrays, 1 entry),
 * map 3: a hash (8-byte values, 4 entries) */
static const struct xbpf_verify_map maps[] = {
	{XBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, -1, NULL, "v8"},
	{XBPF_MAP_TYPE_ARRAY, 4, 1, 1, 0, -1, NULL, "v1"},
	{XBPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, -1, NULL, "v16"},
	{XBPF_MAP_TYPE_HASH, 4, 8, 4, 0, -1, NULL, "h8"},
};
#define NMAPS (sizeof maps / sizeof maps[0])
static int kfd[NMAPS] = {-1, -1, -1, -1};
static int kernel_ok = -1; /* -1 not tried, 0 unavailable, 1 available */

static struct xbpf_verify_result res;

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof *a);
}

static bool kernel_available(void)
{
	if (kernel_ok >= 0)
		return kernel_ok;
	kernel_ok = 1;
	for (size_t i = 0; i < NMAPS; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_type = maps[i].type;
		a.key_size = maps[i].key_size;
		a.value_size = maps[i].value_size;
		a.max_entries = maps[i].max_entries;
		kfd[i] = (int)sys_bpf(BPF_MAP_CREATE, &a);
		if (kfd[i] < 0)
			kernel_ok = 0;
	}
	return kernel_ok;
}

static char klog[65536];

/* The kernel's verdict: 0 accepted, -errno rejected (its log, of level `level`, in
 * klog). */
static int kernel_verify(const struct xbpf_insn *p, size_t n, uint32_t type, uint32_t level)
{
	struct xbpf_insn *k = calloc(n, sizeof *k);
	char *log = klog;
	memcpy(k, p, n * sizeof *k);
	for (size_t i = 0; i + 1 < n; i++)
		if (k[i].code == (XBPF_LD | XBPF_DW | XBPF_IMM) && k[i].src_reg == XBPF_PSEUDO_MAP_IDX) {
			k[i].src_reg = BPF_PSEUDO_MAP_FD;
			k[i].imm = kfd[k[i].imm];
			i++;
		}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.insns = (uintptr_t)k;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof klog;
	a.log_level = level;
	long fd = sys_bpf(BPF_PROG_LOAD, &a);
	int err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close((int)fd);
	free(k);
	return err;
}

/* Verify with xbpf (and the kernel when it can and klevel, its log level, is not 0);
 * both verdicts must be `accept`. */
static void check_log(const char *name, const char *text, uint32_t type, bool accept,
		      uint32_t klevel)
{
	struct xbpf_insn *p;
	size_t n;
	if (!t_asm(NULL, text, &p, &n)) {
		fprintf(stderr, "  (in %s)\n", name);
		return;
	}
	struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = type, .maps = maps, .map_cnt = NMAPS};
	int v = xbpf_verify(p, n, &o, &res);
	if ((v == 0) != accept)
		fprintf(stderr, "%s: xbpf %s: %s\n", name, v ? "rejects" : "accepts", res.message);
	T_EQ(v == 0, accept);
	if (klevel && kernel_available()) {
		int kv = kernel_verify(p, n, type, klevel);
		if ((kv == 0) != accept)
			fprintf(stderr, "%s: the kernel %s (%d)\n%s\n", name, kv ? "rejects" : "accepts",
				kv, klog);
		T_EQ(kv == 0, accept);
	}
	free(p);
}

/* check_log, the kernel's log at level 1 (the states at branches) when `kernel`. */
static void check(const char *name, const char *text, uint32_t type, bool accept, bool kernel)
{
	check_log(name, text, type, accept, kernel ? 1 : 0);
}

#define XDP XBPF_PROG_TYPE_XDP
#define SOCK XBPF_PROG_TYPE_SOCKET_FILTER
/* r0 = value of map M (key 0), or goto out when NULL */
#define LOOKUP(m) "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\n" \
	"r1 = map_idx(" #m ") ll\ncall 1\nif r0 == 0 goto out\n"
#define OUT "out:\nr0 = 0\nexit\n"

/* r6 is 1 on the first path, 0 on the second; `if r6 == 0` picks the access. */
static void test_decided_jump(void)
{
	const char *fmt = "call 7\nr6 = 0\nif r0 > 10 goto j\nr6 = 1\nj:\n" LOOKUP(1)
		"if r6 == 0 goto a\nr1 = *(u8 *)(r0 + 0)\ngoto out\na:\n"
		"r1 = *(%s *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, "u64");
	check("decided_jump", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "u8");
	check("decided_jump_ok", text, XDP, true, true);
}

/* The deciding value lives in a stack slot at the join and is filled later. */
static void test_spilled_offset(void)
{
	const char *fmt = "call 7\nr6 = %d\n*(u64 *)(r10 - 16) = r6\nif r0 > 10 goto j\n"
		"r6 = 0\n*(u64 *)(r10 - 16) = r6\nj:\nr6 = 0\n" LOOKUP(0)
		"r7 = *(u64 *)(r10 - 16)\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, 8);
	check("spilled_offset", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0);
	check("spilled_offset_ok", text, XDP, true, true);
}

/* The value is passed to a subprogram, which uses it as an offset. */
static void test_subprog_argument(void)
{
	const char *fmt = "call 7\nr6 = %d\nif r0 > 10 goto j\nr6 = 0\nj:\nr1 = r6\ncall f\n"
		"r0 = 0\nexit\nf:\nr6 = r1\n" LOOKUP(0) "r0 += r6\nr1 = *(u64 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, 8);
	check("subprog_argument", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0);
	check("subprog_argument_ok", text, XDP, true, true);
}

/* A subprogram returns 0 or N from a join at its exit; the caller uses it as an offset. */
static void test_subprog_return(void)
{
	const char *fmt = "call 7\nr1 = r0\ncall f\nr6 = r0\n" LOOKUP(0)
		"r0 += r6\nr1 = *(u64 *)(r0 + 0)\n" OUT "f:\nr0 = %d\nif r1 > 10 goto l\n"
		"r0 = 0\nl:\nexit\n";
	char text[1024];
	snprintf(text, sizeof text, fmt, 8);
	check("subprog_return", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0);
	check("subprog_return_ok", text, XDP, true, true);
}

/* r6 and r7 are copies on the first path (a bound on r7 bounds r6), not on the second. */
static void test_linked_registers(void)
{
	const char *fmt = "call 7\nr8 = r0\ncall 7\nr6 = r0\nr7 = r0\nif r8 > 10 goto b\n"
		"goto j\nb:\n%s\nj:\nif r7 > 8 goto out\n" LOOKUP(2)
		"r0 += r6\nr1 = *(u64 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, "r7 = 0");
	check("linked_registers", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "r7 = r6");
	check("linked_registers_ok", text, XDP, true, true);
}

/* `if r6 > r7` bounds r6 (no copies: no id) by r7's value: r7 must be precise too. */
static void test_jump_other_operand(void)
{
	const char *fmt = "call 7\nr6 = r0\nr6 &= 255\ncall 7\nr7 = %d\nif r0 > 10 goto j\n"
		"r7 = 0\nj:\n"
		"if r6 > r7 goto out\n" LOOKUP(0) "r0 += r6\nr1 = *(u64 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, 8);
	check("jump_other_operand", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0);
	check("jump_other_operand_ok", text, XDP, true, true);
}

/* A narrow store of r6 (a narrow spill) read back. */
static void test_narrow_store(void)
{
	const char *fmt = "call 7\nr6 = %d\nif r0 > 10 goto j\nr6 = 0\nj:\n"
		"*(u32 *)(r10 - 4) = 0\n*(u32 *)(r10 - 8) = r6\nr7 = *(u%d *)(r10 - 8)\n"
		LOOKUP(0) "r0 += r7\nr1 = *(u8 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, 8, 32);
	check("narrow_store", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0, 32);
	check("narrow_store_ok", text, XDP, true, true);
	/* 8 bytes over a narrow spill: unknown (as the kernel), whatever r6 was */
	snprintf(text, sizeof text, fmt, 0, 64);
	check("narrow_store_wide", text, XDP, false, true);
}

/* bpf_skb_load_bytes(skb, 0, fp-8, r6): 8 bytes fit, 16 do not. */
static void test_helper_size(void)
{
	const char *fmt = "r9 = r1\ncall 7\nr6 = %d\nif r0 > 10 goto j\nr6 = 8\nj:\n"
		"r1 = r9\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = r6\ncall 26\nr0 = 0\nexit\n";
	char text[1024];
	snprintf(text, sizeof text, fmt, 16);
	check("helper_size", text, SOCK, false, true);
	snprintf(text, sizeof text, fmt, 8);
	check("helper_size_ok", text, SOCK, true, true);
}

/* A bound learned on a register reaches its spilled copy (both share an id). */
static void test_spill_linked(void)
{
	const char *fmt = "r6 = r1\n" LOOKUP(2) "r1 = *(u32 *)(r6 + 8)\n*(u64 *)(r10 - 16) = r1\n"
		"if r1 > %d goto out\nr2 = *(u64 *)(r10 - 16)\nr0 += r2\nr4 = *(u8 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, 15);
	check("spill_linked_ok", text, SOCK, true, true);
	snprintf(text, sizeof text, fmt, 16);
	check("spill_linked", text, SOCK, false, true);
	/* the jump on the spilled copy (filled into r3) bounds r1 too */
	check("spill_linked_fill_ok", "r6 = r1\n" LOOKUP(2) "r1 = *(u32 *)(r6 + 8)\n"
	      "*(u64 *)(r10 - 16) = r1\nr3 = *(u64 *)(r10 - 16)\nif r3 > 15 goto out\n"
	      "r0 += r1\nr4 = *(u8 *)(r0 + 0)\n" OUT, SOCK, true, true);
	/* a 4-byte store is no copy: the 8-byte slot stays unbounded data */
	check("spill_linked_narrow", "r6 = r1\n" LOOKUP(2) "r1 = *(u32 *)(r6 + 8)\n"
	      "*(u32 *)(r10 - 16) = r1\n*(u32 *)(r10 - 12) = 0\nif r1 > 15 goto out\n"
	      "r2 = *(u64 *)(r10 - 16)\nr0 += r2\nr4 = *(u8 *)(r0 + 0)\n" OUT, SOCK, false, true);
}

/* The slot is a copy of r6 on the first path only; a state at the join must not cover
 * the second (the ids differ, the slot's bound comes from r6's jump). */
static void test_spill_linked_join(void)
{
	const char *fmt = "call 7\nr8 = r0\ncall 7\nr6 = r0\n*(u64 *)(r10 - 16) = r6\n"
		"if r8 > 10 goto b\ngoto j\nb:\n%s\nj:\nif r6 > 8 goto out\n" LOOKUP(2)
		"r7 = *(u64 *)(r10 - 16)\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\n" OUT;
	char text[1024];
	snprintf(text, sizeof text, fmt, "r1 = r8\n*(u64 *)(r10 - 16) = r1");
	check("spill_linked_join", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "*(u64 *)(r10 - 16) = r6");
	check("spill_linked_join_ok", text, XDP, true, true);
}

/* bpf_map_lookup_elem on an array with a constant key below max_entries cannot fail
 * (kernel 6.13+): no NULL check needed. Keys: zero bytes, a 4-byte spill of a constant. */
static void test_array_const_key(void)
{
	const char *fmt = "%s\nr2 = r10\nr2 += %d\nr1 = map_idx(%d) ll\ncall 1\n"
		"r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n";
	char text[1024];
	snprintf(text, sizeof text, fmt, "*(u32 *)(r10 - 4) = 0", -4, 0);
	check("array_key_zero_ok", text, XDP, true, true);
	snprintf(text, sizeof text, fmt, "*(u32 *)(r10 - 8) = 0", -8, 0);
	check("array_key_spill_ok", text, XDP, true, true);
	snprintf(text, sizeof text, fmt, "r1 = 0\n*(u32 *)(r10 - 8) = r1", -8, 0);
	check("array_key_spill_reg_ok", text, XDP, true, true);
	snprintf(text, sizeof text, fmt, "*(u32 *)(r10 - 8) = 1", -8, 0);
	check("array_key_out_of_range", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "*(u32 *)(r10 - 4) = 1", -4, 0);
	check("array_key_misc", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "*(u32 *)(r10 - 4) = 0", -4, 3);
	check("array_key_hash", text, XDP, false, true);
	/* an 8-byte spill is not a 4-byte key's spill (as the kernel) */
	snprintf(text, sizeof text, fmt, "r1 = 0\n*(u64 *)(r10 - 8) = r1", -8, 0);
	check("array_key_wide_spill", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, "call 7\nr0 &= 0\n*(u32 *)(r10 - 8) = r0", -8, 0);
	check("array_key_and_ok", text, XDP, true, true);
	snprintf(text, sizeof text, fmt, "call 7\nr0 &= 1\n*(u32 *)(r10 - 8) = r0", -8, 0);
	check("array_key_range", text, XDP, false, true);
}

/* The key is 0 on the first path and 0 or 1 on the second: the key slot's value (or the
 * offset of the key pointer) must be precise in the state stored at the join. */
static void test_array_const_key_join(void)
{
	const char *fmt = "call 7\nr6 = r0\nr6 &= %d\ncall 7\nr3 = -8\nif r0 > 10 goto b\n"
		"*(u32 *)(r10 - 8) = 0\ngoto j\nb:\n%s\nj:\nr2 = r10\nr2 += r3\n"
		"r1 = map_idx(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n";
	char text[1024];
	snprintf(text, sizeof text, fmt, 1, "*(u32 *)(r10 - 8) = r6");
	check("array_key_join", text, XDP, false, true);
	snprintf(text, sizeof text, fmt, 0, "*(u32 *)(r10 - 8) = r6");
	check("array_key_join_ok", text, XDP, true, true);
	/* the second path points the key at other (unknown) bytes */
	snprintf(text, sizeof text, fmt, 0, "*(u32 *)(r10 - 8) = 0\n*(u32 *)(r10 - 16) = r0\n"
		 "r3 = -16");
	check("array_key_join_ptr", text, XDP, false, true);
}

/* The unsafe path is explored first: rejected without any pruning involved. */
static void test_unsafe_first(void)
{
	check("unsafe_first", "call 7\nr6 = 1\nif r0 > 10 goto j\nr6 = 0\nj:\n" LOOKUP(1)
	      "if r6 == 0 goto a\nr1 = *(u8 *)(r0 + 0)\ngoto out\na:\n"
	      "r1 = *(u64 *)(r0 + 0)\n" OUT, XDP, false, true);
}

/* 16 diamonds give r8 2^16 values, none of which decides anything (the last jump is
 * against an unknown): the states at each join differ only in imprecise scalars. */
static void test_pruning_prunes(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "r8 = 0\n");
	for (int k = 0; k < 16; k++)
		n += (size_t)snprintf(text + n, sizeof text - n, "call 7\nif r0 > 10 goto d%d\n"
				      "r8 |= %d\nd%d:\n", k, 1 << k, k);
	snprintf(text + n, sizeof text - n, "call 7\nif r8 > r0 goto e\nr0 = 1\nexit\ne:\n"
		 "r0 = 0\nexit\n");
	check("pruning_prunes", text, XDP, true, true);
	T_CHECK(res.insns_processed < 1000);
}

/* A store into a slot ends the spill there: a constant key written over 16 diamonds'
 * spills of r8 does not make r8 precise (the joins still prune), and a partial
 * overwrite leaves no spilled value to read. */
static void test_store_ends_spill(void)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "r8 = 0\n");
	for (int k = 0; k < 16; k++)
		n += (size_t)snprintf(text + n, sizeof text - n, "call 7\nif r0 > 10 goto d%d\n"
				      "r8 |= %d\nd%d:\n*(u64 *)(r10 - 8) = r8\n", k, 1 << k, k);
	snprintf(text + n, sizeof text - n, "*(u32 *)(r10 - 8) = 0\nr2 = r10\nr2 += -8\n"
		 "r1 = map_idx(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n");
	check("store_ends_spill_prunes", text, XDP, true, true);
	T_CHECK(res.insns_processed < 2000);
	check("store_ends_spill_partial", "call 7\nr6 = r0\nr6 &= 7\n*(u64 *)(r10 - 8) = r6\n"
	      "*(u8 *)(r10 - 2) = 0\nr7 = *(u32 *)(r10 - 8)\n" LOOKUP(0)
	      "r0 += r7\nr1 = *(u8 *)(r0 + 0)\n" OUT, XDP, false, true);
}

/* bpf_loop callback summing its index into the caller's stack converges (widening). */
static void test_loop_sum_converges(void)
{
	check("loop_sum", "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 10\nr2 = func(8) ll\nr3 = r10\n"
	      "r3 += -8\nr4 = 0\ncall 181\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"
	      "r3 = *(u64 *)(r2 + 0)\nr3 += r1\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n", XDP, true,
	      false /* the kernel wants BTF for callbacks */);
	T_CHECK(res.insns_processed < 1000);
}

/* bpf_loop(N, cb, fp-16): cb adds 8 to *ctx each time, the caller then uses it as an
 * offset into a 16-byte value: iterations are explored up to N (the kernel's bound), no
 * fewer (the kernel needs BTF for callbacks: xbpf only). */
static void test_loop_count_bound(void)
{
	const char *fmt = "r1 = 0\n*(u64 *)(r10 - 16) = r1\nr1 = %d\nr2 = func(18) ll\nr3 = r10\n"
		"r3 += -16\nr4 = 0\ncall 181\n" LOOKUP(2)
		"r1 = *(u64 *)(r10 - 16)\nr0 += r1\nr1 = *(u64 *)(r0 + 0)\n" OUT
		"r3 = *(u64 *)(r2 + 0)\nr3 += 8\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n";
	char text[1024];
	snprintf(text, sizeof text, fmt, 1);  /* *ctx reaches 8: 8 + 8 bytes fit */
	check("loop_count_bound_ok", text, XDP, true, false);
	snprintf(text, sizeof text, fmt, 2);  /* 16 + 8 do not */
	check("loop_count_bound", text, XDP, false, false);
}

/* The kernel's count of instructions processed in its last load (klog), or -1. */
static long kernel_insns(void)
{
	const char *p = kernel_ok == 1 ? strstr(klog, "processed ") : NULL;
	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* bench/progs/sort.c, with helper values in place of the packet's: 32 stack slots, an
 * odd-even transposition sort (32 passes of 15 or 16 compare-and-swaps, a data-dependent
 * `if x >= y` each), then a hash. The swap's two sides join at the inner loop's head,
 * differing only in imprecise stack values: the second side is pruned there. The one
 * long first path stores 480 states at that join, more than a list holds: the list must
 * keep the newest (the siblings' matches), not the first (E2BIG after 1M insns). */
static void test_sort_loops_prune(void)
{
	check_log("sort_loops", "r7 = 0\nfill:\ncall 7\nr4 = r10\nr4 += -256\nr4 += r7\n"
		  "*(u64 *)(r4 + 0) = r0\nr7 += 8\nif r7 != 256 goto fill\n"
		  "r1 = 0\nr2 = r10\nr2 += -248\nr3 = 29\ngoto pass\n"
		  "next_pass:\nr1 += 1\nr4 = r1\nr4 <<= 32\nr4 >>= 32\nif r4 != 32 goto pass\n"
		  "r1 = 0\nr2 = 0\ngoto hash\n"
		  "pass:\nr4 = r1\nr4 &= 1\nr0 = r4\nr0 <<= 3\nr5 = r2\nr5 += r0\nr4 |= -2\n"
		  "goto body\n"
		  "join:\nr5 += 16\nr4 += 2\nif r3 > r4 goto body\ngoto next_pass\n"
		  "body:\nr0 = *(u64 *)(r5 + 0)\nr6 = *(u64 *)(r5 - 8)\nif r0 >= r6 goto join\n"
		  "*(u64 *)(r5 + 0) = r6\n*(u64 *)(r5 - 8) = r0\ngoto join\n"
		  "hash:\nr3 = r10\nr3 += -256\nr3 += r1\nr0 = *(u64 *)(r3 + 0)\nr2 *= 31\n"
		  "r0 += r2\nr1 += 8\nr2 = r0\nif r1 != 256 goto hash\nexit\n", XDP, true,
		  4 /* BPF_LOG_STATS: the states at every branch would overflow klog */);
	T_CHECK(res.insns_processed < 50000);
	long k = kernel_insns();
	if (k > 0) {
		fprintf(stderr, "sort_loops: %llu insns processed (the kernel: %ld)\n",
			(unsigned long long)res.insns_processed, k);
		T_CHECK(res.insns_processed <= 2 * (uint64_t)k);
	}
}

/* A narrow read of part of a spilled zero reads zeros, as in the kernel (vfuzz seed 3
 * index 16763: 4 bytes at fp-68 of `*(u64 *)(r10 - 72) = 0` were unknown, and an offset
 * computed from them left the stack). The zero still counts as relied on: a path that
 * spilled another value must not be pruned by it. */
static void test_narrow_fill_zero(void)
{
	check("narrow_fill_zero", "*(u64 *)(r10 - 72) = 0\nr1 = *(u32 *)(r10 - 68)\n"
	      "r1 -= 16\nr2 = r10\nr2 += r1\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit\n",
	      XDP, true, true);
	check("narrow_fill_zero_reg", "r1 = 0\n*(u64 *)(r10 - 8) = r1\n"
	      "r1 = *(u16 *)(r10 - 6)\nr1 -= 16\nr2 = r10\nr2 += r1\n*(u8 *)(r2 + 0) = 1\n"
	      "r0 = 0\nexit\n", XDP, true, true);
	check("narrow_fill_zero_join", "call 7\nr1 = 0x900000000 ll\nif r0 > 5 goto j\n"
	      "r1 = 0\nj:\n*(u64 *)(r10 - 8) = r1\nr1 = *(u32 *)(r10 - 4)\n"
	      "r1 -= 9\nr2 = r10\nr2 += r1\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit\n", XDP,
	      false, true);
}

/* kp_bpf_loop.bpf.c of tests/progs_loops in assembly: bpf_loop(1000, cb, &ctx, 0) whose
 * callback counts, on one side of a join, into a 32-bit field of the caller's stack that
 * it then compares (precise). Each call's state at the helper call covers the pending
 * siblings of its own iteration (a callback's iterations are covered by the one in
 * progress): the list there must keep all 1000, not the newest 256 (the first calls'
 * siblings then ran every remaining call again: E2BIG after 1M insns). The kernel wants
 * BTF func_info for a callback: it is compared on the C version (test_progs_loops). */
static void test_bpf_loop_many_calls(void)
{
	check_log("bpf_loop_many_calls", "r6 = 0\n*(u64 *)(r10 - 8) = r6\n"
		  "*(u64 *)(r10 - 16) = r6\nr1 = 1000\nr2 = func(7) ll\nr3 = r10\nr3 += -16\n"
		  "r4 = 0\ncall 181\nr0 = 0\nexit\n"
		  "r6 = r2\ncall 7\nr1 = r0\nr0 = 1\nif r1 == 0 goto out\n"
		  "r2 = *(u32 *)(r6 + 8)\nr3 = 101\nif r3 > r1 goto skip\nr2 += 1\n"
		  "*(u32 *)(r6 + 8) = r2\nskip:\nr3 = *(u64 *)(r6 + 0)\nr3 += r1\n"
		  "*(u64 *)(r6 + 0) = r3\nr2 <<= 32\nr2 >>= 32\nr0 = 1\nif r2 > 10 goto out\n"
		  "r0 = 0\nout:\nexit\n", XDP, true, 0);
	fprintf(stderr, "bpf_loop_many_calls: %llu insns processed\n",
		(unsigned long long)res.insns_processed);
	T_CHECK(res.insns_processed < 100000);
}

T_MAIN(test_decided_jump, test_spilled_offset, test_subprog_argument, test_subprog_return,
       test_linked_registers, test_jump_other_operand, test_narrow_store, test_helper_size,
       test_unsafe_first, test_spill_linked, test_spill_linked_join, test_array_const_key,
       test_array_const_key_join, test_store_ends_spill, test_pruning_prunes,
       test_loop_sum_converges, test_loop_count_bound, test_sort_loops_prune,
       test_bpf_loop_many_calls, test_narrow_fill_zero)
