/* legacy20.bpf.c - loader test object: the smallest legacy map definition (5 fields =
 * 20 bytes, libbpf's old struct bpf_map_def) and a bpf-to-bpf call into .text from a
 * legacy-named section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct map_def20 {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct map_def20 SEC("maps") small = {
	.type = BPF_MAP_TYPE_PERCPU_HASH, .key_size = 8, .value_size = 4, .max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};
struct map_def20 SEC("maps") queue = {
	.type = BPF_MAP_TYPE_QUEUE, .key_size = 0, .value_size = 4, .max_entries = 8,
};

static __noinline int helper_fn(__u64 k)
{
	return bpf_map_lookup_elem(&small, &k) != 0;
}

SEC("xdp_legacy")
int legacy_xdp(struct xdp_md *ctx)
{
	__u32 v = 1;
	bpf_map_push_elem(&queue, &v, 0);
	return helper_fn(ctx->rx_queue_index) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
