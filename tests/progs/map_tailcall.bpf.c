/* map_tailcall.bpf.c - PROG_ARRAY initialised declaratively: a chain of tail calls, a
 * tail call to an empty slot (falls through), and a counter of hops in a global. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 hops;

SEC("xdp")
int tail_second(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} jmp SEC(".maps") = {
	.values = {[1] = (void *)&tail_second},
};

SEC("xdp")
int tail_first(struct xdp_md *ctx)
{
	hops++;
	bpf_tail_call(ctx, &jmp, 3); /* empty: continues here */
	hops += 10;
	bpf_tail_call(ctx, &jmp, 1);
	return XDP_ABORTED;
}

SEC("xdp")
int tail_second(struct xdp_md *ctx)
{
	hops += 100;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
