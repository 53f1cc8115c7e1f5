/* helpers_probe.bpf.c - probe_read_user/kernel(_str) on a string of the test process
 * (args[0]), an unmapped address (args[1]) and NULL: return values and the zero-filling
 * of the destination on failure. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct probe_result res;

SEC("raw_tp/sys_enter")
int probe_prog(struct bpf_raw_tracepoint_args *ctx)
{
	const void *good = (const void *)ctx->args[0], *bad = (const void *)ctx->args[1];
	__builtin_memset(res.bad_buf, 0x5a, sizeof res.bad_buf);
	__builtin_memset(res.str_bad_buf, 0x5a, sizeof res.str_bad_buf);
	res.r_user = bpf_probe_read_user(res.buf, 8, good);
	res.r_user_bad = bpf_probe_read_user(res.bad_buf, sizeof res.bad_buf, bad);
	res.r_kernel_null = bpf_probe_read_kernel(res.short_buf, 4, 0);
	res.r_str = bpf_probe_read_user_str(res.buf, sizeof res.buf, good);
	res.r_str_short = bpf_probe_read_user_str(res.short_buf, sizeof res.short_buf, good);
	res.r_str_bad = bpf_probe_read_user_str(res.str_bad_buf, sizeof res.str_bad_buf, bad);
	res.r_zero = bpf_probe_read_kernel_str(res.buf + 31, 0, 0);
	res.r_compat = bpf_probe_read(res.compat_buf, sizeof res.compat_buf, good);
	res.r_compat_str = bpf_probe_read_str(res.compat_str, sizeof res.compat_str, good);
	res.r_kstr_null = bpf_probe_read_kernel_str(res.compat_str + 20, 4, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
