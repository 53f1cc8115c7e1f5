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
	static const char f7[] = "%5s|%-6s|\n", f8[] = "%+d % d %08x\n", f9[] = "%px %pK\n",
		f10[] = "%i %X %llu\n", f11[] = "%pks\n", f12[] = "%-5c|\n", f13[] = "%0-5d|%-05d|\n";
	res.ret[8] = bpf_trace_printk(f7, sizeof f7, "ab", "cd");
	res.ret[9] = bpf_trace_printk(f8, sizeof f8, 5, 6, 0xab);
	res.ret[10] = bpf_trace_printk(f9, sizeof f9, &ip, &ip);
	res.ret[11] = bpf_trace_printk(f10, sizeof f10, -1, 0xab, 1ull << 40);
	res.ret[12] = bpf_trace_printk(f11, sizeof f11, "str");
	res.ret[13] = bpf_trace_printk(f12, sizeof f12, 'x') + 100 * bpf_trace_printk(f13, sizeof f13, 7, 8);
	return 0;
}

char _license[] SEC("license") = "GPL";
