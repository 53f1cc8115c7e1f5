/* map_in_map.bpf.c - ARRAY_OF_MAPS and HASH_OF_MAPS initialised declaratively; the
 * program updates the inner maps through the outer ones. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner in_a SEC(".maps"), in_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = {&in_a, &in_b},
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = {[1] = &in_b},
};

long rets[3];

SEC("xdp")
int map_in_map(struct xdp_md *ctx)
{
	__u32 k0 = 0, k1 = 1;
	void *m = bpf_map_lookup_elem(&outer_arr, &k0);
	if (m) {
		__u32 *v = bpf_map_lookup_elem(m, &k1);
		if (v)
			*v += 5;
	}
	m = bpf_map_lookup_elem(&outer_hash, &k1);
	if (m) {
		__u32 *v = bpf_map_lookup_elem(m, &k0);
		if (v)
			*v += 7;
	}
	rets[0] = bpf_map_lookup_elem(&outer_hash, &k0) != 0;
	rets[1] = bpf_map_lookup_elem(&outer_arr, &k1) != 0;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
