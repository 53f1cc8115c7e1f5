/* map_queue.bpf.c - QUEUE and STACK: push beyond capacity (-E2BIG, BPF_EXIST overwrites
 * the oldest), pop and peek order, pop of an empty map (-ENOENT). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 3);
	__uint(value_size, sizeof(__u32));
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__uint(value_size, sizeof(__u32));
} stack SEC(".maps");

struct {
	long rets[8];
	__u32 popped[8];
} out;

SEC("xdp")
int map_queue(struct xdp_md *ctx)
{
	for (__u32 i = 1; i <= 3; i++) {
		__u32 x = i;
		bpf_map_push_elem(&queue, &x, 0);
		bpf_map_push_elem(&stack, &x, 0);
	}
	__u32 v = 4;
	out.rets[0] = bpf_map_push_elem(&queue, &v, 0);
	out.rets[1] = bpf_map_push_elem(&queue, &v, BPF_EXIST);
	out.rets[2] = bpf_map_peek_elem(&queue, &out.popped[0]);
	out.rets[3] = bpf_map_pop_elem(&queue, &out.popped[1]);
	out.rets[4] = bpf_map_pop_elem(&stack, &out.popped[2]);
	out.rets[5] = bpf_map_peek_elem(&stack, &out.popped[3]);
	bpf_map_pop_elem(&stack, &out.popped[4]);
	bpf_map_pop_elem(&stack, &out.popped[5]);
	out.rets[6] = bpf_map_pop_elem(&stack, &out.popped[6]);
	out.rets[7] = bpf_map_push_elem(&stack, &v, 8);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
