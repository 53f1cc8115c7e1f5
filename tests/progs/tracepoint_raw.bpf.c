/* tracepoint_raw.bpf.c - a tracepoint program over its raw record (checked against
 * expectations; the kernel has no test run for tracepoints). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_enter_rec {
	unsigned short type;
	unsigned char flags, preempt;
	int pid;
	long id;
	unsigned long args[6];
};

long last_id;

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_sys_enter(struct sys_enter_rec *ctx)
{
	last_id = ctx->id;
	return (int)(ctx->args[0] + ctx->args[1]);
}

char _license[] SEC("license") = "GPL";
