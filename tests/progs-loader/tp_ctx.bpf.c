/* tp_ctx.bpf.c - loader test object: a tracepoint program reading the far end of the
 * 2048-byte event record the verifier allows. Verified, it runs without runtime checks, so
 * test_run must back a short ctx_in with the whole (zero-filled) layout. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_far(void *ctx)
{
	return *(__u32 *)(ctx + 8) + *(__u64 *)(ctx + 2040);
}

char LICENSE[] SEC("license") = "GPL";
