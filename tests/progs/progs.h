/* progs.h - layouts shared by the test programs (tests/progs/NAME.bpf.c) and their harness
 * (test_progs.c): the result records the programs write into global data, read back from
 * the kernel and from xbpf and compared or property-checked.
 */
#ifndef XBPF_TEST_PROGS_H
#define XBPF_TEST_PROGS_H

#ifdef __bpf__
typedef __u64 pr_u64;
typedef __s64 pr_s64;
typedef __u32 pr_u32;
typedef __s32 pr_s32;
#else
#include <stdint.h>
typedef uint64_t pr_u64;
typedef int64_t pr_s64;
typedef uint32_t pr_u32;
typedef int32_t pr_s32;
#endif

/* helpers_time: two samples of each clock */
struct time_result {
	pr_u64 ktime[2], boot[2], coarse[2], jiffies[2];
};

/* helpers_ids */
struct ids_result {
	pr_u64 pid_tgid, uid_gid;
	pr_u32 cpu, numa;
	pr_u32 rnd[8];
	char comm[16];
	char comm_short[4];
	pr_s64 comm_ret;
};

/* helpers_probe: ctx args[0] = pointer to a user string, args[1] = an unmapped address */
struct probe_result {
	pr_s64 r_user, r_user_bad, r_kernel_null, r_str, r_str_short, r_str_bad, r_zero;
	char buf[32], short_buf[6], bad_buf[8], str_bad_buf[8];
	/* the compat helpers (x86: user memory below TASK_SIZE) and probe_read_kernel_str */
	pr_s64 r_compat, r_compat_str, r_kstr_null;
	char compat_buf[8], compat_str[24];
};

/* helpers_str */
struct str_result {
	pr_s64 tol_ret[8], tol_val[8];
	pr_s64 toul_ret[4];
	pr_u64 toul_val[4];
	pr_s64 cmp[4];
	pr_s64 snp_ret[3];
	char snp[3][32];
};

/* helpers_printk: return values only (the text goes to trace_pipe) */
struct printk_result {
	pr_s64 ret[14];
};

/* helpers_loop */
struct loop_result {
	pr_s64 ret[4];
	pr_u64 sum, calls;
};

/* helpers_csum */
struct csum_result {
	pr_s64 diff[6];
};

#endif
