/* btf_maps.bpf.c - loader test object: BTF-defined maps of every style: key/value types,
 * key_size/value_size, map_flags, pinning, map-in-map with an inner definition and
 * initial slots, and a program array with initial programs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 2);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [1] = &inner_a, [3] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(key_size, 8);
	__uint(value_size, 24);
	__uint(max_entries, 100);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sized SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

int tail_a(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [2] = (void *)&tail_a },
};

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	__u32 k = 1;
	void *in = bpf_map_lookup_elem(&outer, &k);
	if (in) {
		__u32 *v = bpf_map_lookup_elem(in, &k);
		if (v)
			return *v;
	}
	__u64 key = 0;
	bpf_map_lookup_elem(&sized, &key);
	bpf_ringbuf_output(&events, &key, sizeof(key), 0);
	bpf_tail_call(ctx, &jumps, 2);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
