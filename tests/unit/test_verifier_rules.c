/* test_verifier_rules.c - verifier rules found by the kernel-vs-xbpf differential fuzzer
 * (tests/vfuzz): packet pointers die at helpers that move or resize the packet, xdp_md
 * loads are 4 bytes wide and egress_ifindex is not readable outside devmap programs,
 * bpf_csum_diff only where the kernel offers it, stack bytes never written read as unknown
 * values (the kernel's rule for privileged loaders). Each program is verified by xbpf and,
 * when bpf() is permitted, loaded into the running kernel: both verdicts must agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"
#ifdef XBPF_HAVE_LIBBPF
#include <bpf/bpf.h>
#endif

#define XDP XBPF_PROG_TYPE_XDP
#define TC XBPF_PROG_TYPE_SCHED_CLS
#define SOCK XBPF_PROG_TYPE_SOCKET_FILTER

static struct xbpf_verify_result res;
static int kernel_ok = -1;   /* 1: bpf() works, 0: not permitted */

/* The kernel's verdict: 0 accepted, -errno rejected; 1 when bpf() is not permitted. */
static int kernel_verdict(const struct xbpf_insn *p, size_t n, uint32_t type)
{
#ifdef XBPF_HAVE_LIBBPF
	char log[4096];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof log,
		    .log_level = 1);
	int fd = bpf_prog_load((enum bpf_prog_type)type, "rules", "GPL",
			       (const struct bpf_insn *)p, n, &o);
	if (fd >= 0) {
		close(fd);
		kernel_ok = 1;
		return 0;
	}
	if (errno == EPERM || errno == ENOSYS) {
		kernel_ok = kernel_ok == 1 ? 1 : 0;
		return 1;
	}
	kernel_ok = 1;
	return -errno;
#else
	(void)p, (void)n, (void)type;
	kernel_ok = 0;
	return 1;
#endif
}

/* Verify text as `type` in xbpf and in the kernel; returns xbpf's verdict. */
static int check(const char *text, uint32_t type, int expect)
{
	struct xbpf_insn *p;
	size_t n;
	if (!t_asm(NULL, text, &p, &n))
		return -999;
	struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = type};
	int v = xbpf_verify(p, n, &o, &res);
	if ((v == 0) != (expect == 0))
		fprintf(stderr, "xbpf: %d %s\n%s", v, res.message, text);
	T_EQ(v == 0, expect == 0);
	int k = kernel_verdict(p, n, type);
	if (k != 1) {
		if ((k == 0) != (expect == 0))
			fprintf(stderr, "kernel disagrees (%d) on:\n%s\n", k, text);
		T_EQ(k == 0, expect == 0);
	}
	free(p);
	return v;
}

#define PKT8 "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\n" \
	"r4 = r2\nr4 += 8\nif r4 > r3 goto +7\nr9 = r2\n"

static void test_pkt_ptr_dies_at_adjust_head(void)
{
	/* the old pointer after bpf_xdp_adjust_head: a scalar now */
	check(PKT8 "r1 = r6\nr2 = 0\ncall 44\nr0 = *(u32 *)(r9 + 4)\nr0 = 2\nexit\n"
	      "r0 = 2\nexit", XDP, -EACCES);
	T_CONTAINS(res.message, "R9");
	/* re-reading data/data_end after the call is fine */
	check(PKT8 "r1 = r6\nr2 = 0\ncall 44\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\n"
	      "r4 = r2\nr4 += 8\nif r4 > r3 goto +1\nr0 = *(u32 *)(r2 + 4)\nr0 = 2\nexit", XDP, 0);
}

static void test_pkt_ptr_dies_at_pull_data_spilled(void)
{
	/* tc, bpf_skb_pull_data; the stale pointer comes back from a stack spill */
	check("r6 = r1\nr2 = *(u32 *)(r6 + 76)\nr3 = *(u32 *)(r6 + 80)\nr4 = r2\nr4 += 8\n"
	      "if r4 > r3 goto +7\n*(u64 *)(r10 - 8) = r2\nr1 = r6\nr2 = 0\ncall 39\n"
	      "r9 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r9 + 4)\nr0 = 0\nexit\nr0 = 0\nexit",
	      TC, -EACCES);
}

static void test_xdp_md_access(void)
{
	check("r0 = *(u32 *)(r1 + 12)\nr0 = *(u32 *)(r1 + 16)\nr0 = 2\nexit", XDP, 0);
	check("r0 = *(u64 *)(r1 + 16)\nr0 = 2\nexit", XDP, -EACCES);  /* two fields at once */
	check("r0 = *(u16 *)(r1 + 12)\nr0 = 2\nexit", XDP, -EACCES);  /* narrow */
	check("r0 = *(u32 *)(r1 + 20)\nr0 = 2\nexit", XDP, -EACCES);  /* egress: devmap only */
}

static void test_csum_diff_program_types(void)
{
	const char *prog = "r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nr0 = 0\nexit";
	check(prog, TC, 0);
	check(prog, XDP, 0);
	check(prog, SOCK, -EACCES);
	T_CONTAINS(res.message, "cannot use helper");
}

/* Stack bytes never written read as an unknown value, as the kernel lets privileged
 * loaders (allow_uninit_stack); outside the frame stays an error. */
static void test_uninit_stack(void)
{
	check("r0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit", XDP, 0);
	check("r1 = 3\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit", XDP, 0);
	check("r0 = *(u8 *)(r10 - 300)\nr0 = 2\nexit", TC, 0);
	/* both sides of a branch on it: the taken one dereferences a number */
	check("r1 = *(u64 *)(r10 - 8)\nif r1 == 0 goto +2\nr0 = 2\nexit\n"
	      "r0 = *(u8 *)(r1 + 0)\nr0 = 2\nexit", XDP, -EACCES);
	check("r1 = *(u64 *)(r10 - 8)\nif r1 != 0 goto +2\nr0 = 2\nexit\n"
	      "r0 = *(u8 *)(r1 + 0)\nr0 = 2\nexit", XDP, -EACCES);
	/* a helper reading a partly written buffer */
	check("r1 = 0\n*(u64 *)(r10 - 16) = r1\nr1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\n"
	      "r4 = 0\nr5 = 0\ncall 28\nr0 = 2\nexit", XDP, 0);
	/* out of the frame */
	check("r0 = *(u64 *)(r10 - 520)\nr0 = 2\nexit", XDP, -EACCES);
	check("r0 = *(u64 *)(r10 + 0)\nr0 = 2\nexit", XDP, -EACCES);
	check("r0 = *(u64 *)(r10 - 4)\nr0 = 2\nexit", XDP, -EACCES);
	check("r1 = r10\nr1 += -8\nr2 = 16\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nr0 = 2\nexit",
	      XDP, -EACCES);
}

static void test_kernel_compared(void)
{
	if (kernel_ok != 1)
		T_SKIP("bpf() not permitted here: verdicts checked against expectations only");
}

T_MAIN(test_pkt_ptr_dies_at_adjust_head, test_pkt_ptr_dies_at_pull_data_spilled,
       test_xdp_md_access, test_csum_diff_program_types, test_uninit_stack,
       test_kernel_compared)
