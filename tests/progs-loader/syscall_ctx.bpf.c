/* syscall_ctx.bpf.c - loader test object: a syscall program reading far into its ctx. The
 * verifier allows any ctx offset below 64 KiB for syscall programs, whose ctx is exactly the
 * caller's ctx_in, so a verified syscall program must keep its runtime checks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("syscall")
int sys_far(void *ctx)
{
	return *(__u32 *)(ctx + 8) + *(__u32 *)(ctx + 4096);
}

char LICENSE[] SEC("license") = "GPL";
