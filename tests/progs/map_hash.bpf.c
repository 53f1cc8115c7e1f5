/* map_hash.bpf.c - HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH: insert, update
 * flags, delete, a full map (-E2BIG for HASH, eviction for LRU). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define HMAP(name, kind, n)                      \
	struct {                                 \
		__uint(type, kind);              \
		__uint(max_entries, n);          \
		__type(key, __u32);              \
		__type(value, __u64);            \
	} name SEC(".maps")

HMAP(hash, BPF_MAP_TYPE_HASH, 8);
HMAP(pchash, BPF_MAP_TYPE_PERCPU_HASH, 8);
HMAP(lru, BPF_MAP_TYPE_LRU_HASH, 64);
HMAP(pclru, BPF_MAP_TYPE_LRU_PERCPU_HASH, 64);

long rets[12];

SEC("xdp")
int map_hash(struct xdp_md *ctx)
{
	__u64 v;
	for (__u32 i = 1; i <= 9; i++) {
		__u32 k = i;
		v = i * 100;
		long r = bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST);
		if (i == 9)
			rets[0] = r;              /* the 9th key does not fit */
		bpf_map_update_elem(&pchash, &k, &v, BPF_ANY);
		bpf_map_update_elem(&lru, &k, &v, BPF_ANY);
		bpf_map_update_elem(&pclru, &k, &v, BPF_ANY);
	}
	__u32 k = 3, missing = 42;
	v = 1;
	rets[1] = bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST);
	rets[2] = bpf_map_update_elem(&hash, &k, &v, BPF_EXIST);
	rets[3] = bpf_map_update_elem(&hash, &missing, &v, BPF_EXIST);
	rets[4] = bpf_map_delete_elem(&hash, &k);
	rets[5] = bpf_map_delete_elem(&hash, &k);
	rets[6] = bpf_map_update_elem(&hash, &missing, &v, BPF_NOEXIST);
	__u64 *p = bpf_map_lookup_elem(&hash, &missing);
	rets[7] = p ? (long)*p : -1;
	p = bpf_map_lookup_elem(&pchash, &k);
	if (p)
		*p += 5;
	rets[8] = bpf_map_delete_elem(&lru, &k);
	rets[9] = bpf_map_update_elem(&pclru, &k, &v, BPF_NOEXIST);
	rets[10] = bpf_map_update_elem(&hash, &k, &v, 4 | 8);
	rets[11] = bpf_map_lookup_elem(&lru, &missing) != 0;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
