/* kprobe_regs.bpf.c - a kprobe reading pt_regs (x86-64 layout) and bpf_get_func_ip. The
 * kernel cannot test-run kprobes: this one is checked against expectations only. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

__u64 got[3];

struct regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

SEC("kprobe/do_sys_open")
int kprobe_regs(struct regs *ctx)
{
	got[0] = ctx->di;            /* first argument */
	got[1] = ctx->si;            /* second */
	got[2] = bpf_get_func_ip(ctx);
	return (int)(ctx->di + ctx->si);
}

char _license[] SEC("license") = "GPL";
