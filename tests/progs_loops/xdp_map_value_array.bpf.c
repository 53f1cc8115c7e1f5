/* xdp_map_value_array: a map value holding a 128-entry histogram, updated and scanned in
 * loops (max and argmax). */
#include "loops.h"

struct hist {
	__u64 bucket[128];
	__u32 max_at;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

SEC("xdp")
int xdp_map_value_array(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct hist *h = bpf_map_lookup_elem(&hists, &k);
	if (!h)
		return XDP_PASS;
	__u32 len = ctx->data_end - ctx->data;
	h->bucket[(len >> 4) & 127]++;
	__u64 max = 0;
	__u32 at = 0;
	for (__u32 i = 0; i < 128; i++) {
		if (h->bucket[i] > max) {
			max = h->bucket[i];
			at = i;
		}
	}
	h->max_at = at;
	return XDP_PASS;
}
LICENSE;
