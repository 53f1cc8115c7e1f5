/* reloc_kinds.bpf.c - loader test object: every relocation kind the loader applies.
 * lddw of a BTF map (src=5), of .data/.rodata/.bss/custom .data.* and string literals
 * (src=6), of a callback (src=4), bpf-to-bpf calls to static and global .text functions
 * (R_BPF_64_32), and two programs sharing a subprogram. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 16);
} counters SEC(".maps");

__u64 data_var = 0x1122334455667788ull;          /* .data */
const volatile __u32 ro_var = 0xabcdef01;        /* .rodata */
__u32 bss_var;                                   /* .bss */
__u32 custom_var SEC(".data.custom") = 0x5a5a5a5a; /* .data.custom */

static __noinline int add_static(int a, int b)
{
	return a + b + ro_var;
}

__noinline int add_global(int a)
{
	return add_static(a, 7) + (int)bss_var;
}

static int loop_cb(__u32 idx, void *ctx)
{
	*(__u64 *)ctx += idx;
	return 0;
}

SEC("xdp")
int prog_xdp(struct xdp_md *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	__u64 sum = 0;
	bpf_loop(4, loop_cb, &sum, 0);
	if (v)
		*v += sum + data_var;
	bss_var = custom_var;
	return add_global(ctx->ingress_ifindex) & 3;
}

SEC("tc")
int prog_tc(struct __sk_buff *skb)
{
	bpf_printk("hello %d", skb->len);
	return add_global(skb->mark);
}

char LICENSE[] SEC("license") = "GPL";
