/* test_vfuzz.c - the in-suite run of vfuzz (tests/vfuzz/vfuzz.h): a fixed seed and a fixed
 * number of generated programs go through the kernel's verifier and xbpf's. No program
 * xbpf accepts may fail a runtime check in the interpreter, and no program may be accepted
 * by xbpf alone when the kernel's reason is a memory-safety rule (out-of-bounds packet,
 * map value, stack or context access, null or scalar dereference, uninitialised register,
 * unbounded pointer arithmetic, infinite loop), and programs both accept must give the
 * same return value, output packet and maps in the kernel (BPF_PROG_TEST_RUN) and in
 * xbpf's JIT and interpreter running them as verified code. Also checks the generator's mix: enough
 * programs accepted and enough rejected by the kernel for the comparison to mean
 * something. Skips when bpf() is not permitted. Longer runs: the vfuzz command. Also the
 * minimised unsound programs vfuzz found, which xbpf alone must reject (no bpf() needed).
 */
#include <errno.h>
#include <stdlib.h>
#include "vfuzz.h"
#include "t.h"

#define SEED 20261122
#define COUNT 1500

static void test_differential(void)
{
	int err;
	struct vf_oracle *o = vf_oracle_new(&err);
	if (!o && (err == -EPERM || err == -ENOSYS))
		T_SKIP("bpf() not permitted here: kernel comparison skipped");
	T_CHECK(o != NULL);
	if (!o)
		return;
	static struct vf_prog p;
	static struct vf_stats s;
	struct vf_result r;
	for (uint64_t i = 0; i < COUNT; i++) {
		vf_generate(SEED, i, &p);
		vf_check(o, &p, 4, &r);
		vf_stats_add(&s, &p, &r, SEED, i);
	}
	vf_stats_print(&s, stdout);
	T_EQ(s.xonly_fault, 0);
	T_EQ(s.accepted_fault, 0);
	T_EQ(s.xonly_safety, 0);
	T_EQ(s.xbpf_hang, 0);
	T_EQ(s.xbpf_crash, 0);
	T_EQ(s.exec_mismatch, 0);            /* kernel vs JIT/interpreter, verified code */
	T_CHECK(s.exec_programs > COUNT / 5); /* enough of them to mean something */
	unsigned long kacc = s.cls[VF_BOTH_ACCEPT] + s.cls[VF_KERNEL_ONLY];
	T_CHECK(kacc > COUNT / 4);
	T_CHECK(kacc < COUNT * 3 / 4);
	vf_stats_free(&s);
	vf_oracle_free(o);
}

static void test_generator_deterministic(void)
{
	static struct vf_prog a, b;
	for (uint64_t i = 0; i < 200; i++) {
		vf_generate(7, i, &a);
		vf_generate(7, i, &b);
		T_CHECK(a.n > 0 && a.n == b.n && !memcmp(a.insn, b.insn, a.n * sizeof a.insn[0]));
		T_CHECK(a.insn[a.n - 1].code == (XBPF_JMP | XBPF_EXIT));
	}
}

/* The unsound acceptances vfuzz found, minimised: xbpf must reject each of them (the
 * kernel does). These need no bpf(). */
static const struct {
	const char *what;
	uint32_t type;
	const char *text;
} regressions[] = {
	{"pruning: a joined constant deciding a branch must be precise", XBPF_PROG_TYPE_SCHED_CLS,
	 "r1 = *(u32 *)(r1 + 16)\nif r1 > 16 goto +2\nr7 = 0\ngoto +1\nr7 = 24\n"
	 "if r7 == 0 goto +1\nr0 = *(u32 *)(r7 + 0)\nr0 = 0\nexit\n"},
	{"packet pointers die at bpf_xdp_adjust_head", XBPF_PROG_TYPE_XDP,
	 "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r2\nr4 += 8\n"
	 "if r4 > r3 goto +5\nr9 = r2\nr1 = r6\nr2 = 0\ncall 44\n"
	 "r0 = *(u32 *)(r9 + 4)\nr0 = 2\nexit\n"},
	{"packet pointers die at bpf_skb_pull_data", XBPF_PROG_TYPE_SCHED_CLS,
	 "r6 = r1\nr2 = *(u32 *)(r6 + 76)\nr3 = *(u32 *)(r6 + 80)\nr4 = r2\nr4 += 8\n"
	 "if r4 > r3 goto +5\n*(u64 *)(r10 - 8) = r2\nr1 = r6\nr2 = 0\ncall 39\n"
	 "r9 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r9 + 4)\nr0 = 0\nexit\n"},
	{"be16 gives a swapped value, not its width", XBPF_PROG_TYPE_SCHED_CLS,
	 "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr1 = map_fd(0) ll\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto +4\nr1 = *(u32 *)(r6 + 8)\nr1 = be16 r1\nr0 += r1\n"
	 "*(u8 *)(r0 - 1) = 0\nr0 = 0\nexit\n"},
	{"bswap64 gives a swapped value, not its width", XBPF_PROG_TYPE_XDP,
	 "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr1 = map_fd(0) ll\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto +4\nr1 = *(u32 *)(r6 + 12)\nr1 = bswap64 r1\nr0 += r1\n"
	 "*(u8 *)(r0 - 64) = 0\nr0 = 2\nexit\n"},
};

static void test_regressions(void)
{
	struct xbpf_verify_map maps[VF_NMAPS];
	for (int i = 0; i < VF_NMAPS; i++)
		maps[i] = (struct xbpf_verify_map){.type = vf_maps[i].type,
			.key_size = vf_maps[i].key_size, .value_size = vf_maps[i].value_size,
			.max_entries = vf_maps[i].max_entries, .inner = -1};
	for (size_t i = 0; i < sizeof regressions / sizeof regressions[0]; i++) {
		struct xbpf_insn *ins = NULL;
		size_t n = 0;
		char err[256];
		T_EQ(xbpf_asm(regressions[i].text, NULL, &ins, &n, err, sizeof err), 0);
		struct xbpf_verify_opts vo = {.sz = sizeof vo, .prog_type = regressions[i].type,
					      .maps = maps, .map_cnt = VF_NMAPS};
		int v = ins ? xbpf_verify(ins, n, &vo, NULL) : 0;
		if (v != -EACCES)
			fprintf(stderr, "regression %zu (%s): verdict %d, want -EACCES\n", i,
				regressions[i].what, v);
		T_EQ(v, -EACCES);
		free(ins);
	}
}

T_MAIN(test_generator_deterministic, test_regressions, test_differential)
