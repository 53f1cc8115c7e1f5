/* raw_tp_args.bpf.c - a raw tracepoint reading its u64 arguments. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 sum;

SEC("raw_tp/sys_enter")
int raw_args(struct bpf_raw_tracepoint_args *ctx)
{
	sum = ctx->args[0] + ctx->args[1] * 2 + ctx->args[2] * 3;
	return (int)(sum & 0xffff);
}

char _license[] SEC("license") = "GPL";
