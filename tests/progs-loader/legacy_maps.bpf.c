/* legacy_maps.bpf.c - loader test object: legacy "maps" section, samples/bpf layout
 * (struct bpf_map_def of 7 fields = 28 bytes), with a legacy map-in-map (inner_map_idx)
 * and old-style section names. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
	unsigned int type, key_size, value_size, max_entries, map_flags, inner_map_idx, numa_node;
};

struct bpf_map_def_legacy SEC("maps") my_hash = {
	.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 32,
};
struct bpf_map_def_legacy SEC("maps") my_array = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16, .max_entries = 4,
	.map_flags = 0,
};
struct bpf_map_def_legacy SEC("maps") my_outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4, .value_size = 4, .max_entries = 2,
	.inner_map_idx = 1,
};

SEC("socket1")
int sock_prog(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&my_hash, &k);
	if (v)
		(*v)++;
	void *a = bpf_map_lookup_elem(&my_array, &k);
	return a ? 1 : 0;
}

SEC("kprobe/sys_write")
int kp(void *ctx)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&my_outer, &k) != 0;
}

char _license[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
