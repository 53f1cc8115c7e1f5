/* helpers_str.bpf.c - strtol, strtoul, strncmp and snprintf: results compared with the
 * kernel's byte for byte. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct str_result res;

static const char s0[] = "  -42xyz", s1[] = "0x1f", s2[] = "017", s3[] = "99999999999999999999",
		  s4[] = "-9223372036854775808", s5[] = "abc", s6[] = "12", s7[] = "-";

SEC("raw_tp/sys_enter")
int str_prog(void *ctx)
{
	long v;
	unsigned long u;
#define TOL(i, s, f) do { v = 0; res.tol_ret[i] = bpf_strtol(s, sizeof(s) - 1, f, &v); \
	res.tol_val[i] = v; } while (0)
	TOL(0, s0, 0);
	TOL(1, s1, 0);
	TOL(2, s2, 0);
	TOL(3, s3, 10);
	TOL(4, s4, 10);
	TOL(5, s5, 16);
	TOL(6, s6, 7);
	TOL(7, s7, 0);
#define TOUL(i, s, f) do { u = 0; res.toul_ret[i] = bpf_strtoul(s, sizeof(s) - 1, f, &u); \
	res.toul_val[i] = u; } while (0)
	TOUL(0, s1, 16);
	TOUL(1, s0, 0);
	TOUL(2, s3, 0);
	TOUL(3, s2, 8);
	res.cmp[0] = bpf_strncmp(s5, 3, "abd");
	res.cmp[1] = bpf_strncmp(s5, 3, "abc");
	res.cmp[2] = bpf_strncmp(s6, 2, "1");
	res.cmp[3] = bpf_strncmp(s5, 2, "ab");
	__u64 args[4] = {7, -3, 0xbeef, (__u64)s5};
	res.snp_ret[0] = bpf_snprintf(res.snp[0], 32, "%d|%lld|%x|%s", args, sizeof args);
	res.snp_ret[1] = bpf_snprintf(res.snp[1], 8, "%05u and more", args, 8);
	res.snp_ret[2] = bpf_snprintf(res.snp[2], 32, "%-4d|%+d|%X", args, 24);
	return 0;
}

char _license[] SEC("license") = "GPL";
