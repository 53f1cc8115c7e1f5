/* helpers_printk.bpf.c - bpf_trace_printk / bpf_trace_vprintk return values (bytes
 * formatted, or -EINVAL for a format the kernel refuses). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct printk_result res;

SEC("raw_tp/sys_enter")
int printk_prog(void *ctx)
{
	static const char f0[] = "xbpf test %d %u %x\n", f1[] = "%lld|%llx|%5d\n",
		f2[] = "%q\n", f3[] = "%s and %c\n", f4[] = "%d %d %d %d\n", f5[] = "%pI4\n",
		f6[] = "%d-%d-%d-%d\n";
	__u32 ip = 0x0100007f;
	__u64 va[4] = {1, 2, 3, 4};
	res.ret[0] = bpf_trace_printk(f0, sizeof f0, -5, 17, 255);
	res.ret[1] = bpf_trace_printk(f1, sizeof f1, -7, 0xabcdef0123ll, 42);
	res.ret[2] = bpf_trace_printk(f2, sizeof f2, 1);
	res.ret[3] = bpf_trace_printk(f3, sizeof f3, "str", 'c');
	res.ret[4] = bpf_trace_printk(f4, sizeof f4, 1, 2, 3);
	res.ret[5] = bpf_trace_printk(f5, sizeof f5, &ip);
	res.ret[6] = bpf_trace_vprintk(f6, sizeof f6, va, sizeof va);
	res.ret[7] = bpf_trace_vprintk(f6, sizeof f6, va, 24);
	return 0;
}

char _license[] SEC("license") = "GPL";
