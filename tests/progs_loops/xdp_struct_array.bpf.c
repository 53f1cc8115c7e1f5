/* xdp_struct_array: a map value holding 16 rule structs, matched in a loop against the
 * packet's IPv4 addresses with an early break (first match wins). */
#include "loops.h"

struct rule {
	__u32 addr, mask;
	__u16 action, pad;
};

struct rules {
	__u32 n;
	struct rule r[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rules);
} rule_map SEC(".maps");

SEC("xdp")
int xdp_struct_array(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	__u32 k = 0;
	struct rules *rs = bpf_map_lookup_elem(&rule_map, &k);
	if (!rs)
		return XDP_PASS;
	__u32 n = rs->n;
	for (__u32 i = 0; i < 16; i++) {
		if (i >= n)
			break;
		struct rule *r = &rs->r[i];
		if ((ip->saddr & r->mask) == r->addr)
			return r->action == 1 ? XDP_DROP : XDP_PASS;
	}
	return XDP_PASS;
}
LICENSE;
