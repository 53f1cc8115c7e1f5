/* map_array.bpf.c - ARRAY and PERCPU_ARRAY: lookup + increment, update with flags (EXIST
 * works, NOEXIST is -EEXIST), out-of-range keys, delete (-EINVAL). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

long rets[6];

SEC("xdp")
int map_array(struct xdp_md *ctx)
{
	for (__u32 k = 0; k < 4; k++) {
		__u64 *v = bpf_map_lookup_elem(&arr, &k);
		if (v)
			*v += k * 10 + 1;
		v = bpf_map_lookup_elem(&pcpu, &k);
		if (v)
			*v += k + 100;
	}
	__u32 k = 2, bad = 4;
	__u64 val = 777;
	rets[0] = bpf_map_update_elem(&arr, &k, &val, BPF_EXIST);
	rets[1] = bpf_map_update_elem(&arr, &k, &val, BPF_NOEXIST);
	rets[2] = bpf_map_update_elem(&arr, &bad, &val, BPF_ANY);
	rets[3] = bpf_map_delete_elem(&arr, &k);
	rets[4] = bpf_map_lookup_elem(&arr, &bad) != 0;
	rets[5] = bpf_map_update_elem(&arr, &k, &val, 7);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
