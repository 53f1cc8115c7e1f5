/* syscall_ctx.bpf.c - a syscall program: the context is caller memory, written back. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args {
	int a, b;
	long product;
	char text[16];
};

SEC("syscall")
int syscall_prog(struct args *ctx)
{
	__u64 v[2] = {ctx->a, ctx->b};
	ctx->product = (long)ctx->a * ctx->b;
	char text[16] = {};
	bpf_snprintf(text, sizeof text, "%d*%d", v, sizeof v);
	__builtin_memcpy(ctx->text, text, sizeof text);
	return ctx->a + ctx->b;
}

char _license[] SEC("license") = "GPL";
