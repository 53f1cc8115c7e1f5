/* xdp_for_each_elem: bpf_for_each_map_elem over an array whose callback runs a small
 * loop over the value and updates the caller's stack context (counts never compared: imprecise). */
#include "loops.h"

struct val {
	__u32 v[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, struct val);
} elems SEC(".maps");

struct fe_ctx {
	__u64 sum;
	__u32 big;
};

static long cb(void *map, __u32 *key, struct val *v, struct fe_ctx *c)
{
	for (int i = 0; i < 8; i++) {
		c->sum += v->v[i];
		if (v->v[i] > 1000)
			c->big++;
	}
	return 0;
}

__u64 fe_out;

SEC("xdp")
int xdp_for_each_elem(struct xdp_md *ctx)
{
	struct fe_ctx c = {};
	bpf_for_each_map_elem(&elems, cb, &c, 0);
	fe_out = c.sum + c.big;
	return XDP_PASS;
}
LICENSE;
