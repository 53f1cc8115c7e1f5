/* xdp_lookup_each_iter: per packet byte, a hash map lookup whose result (maybe NULL) is
 * kept across the iteration and checked after another helper call. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

__u32 lookup_hits; /* the count, never compared: imprecise */

SEC("xdp")
int xdp_lookup_each_iter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 hits = 0;
	for (int i = 0; i < 32; i++) {
		__u8 *p = data + i;
		if ((void *)(p + 1) > end)
			break;
		__u32 key = *p;
		__u64 *v = bpf_map_lookup_elem(&seen, &key);
		__u64 now = bpf_ktime_get_ns();
		if (v) {
			*v = now;
			hits++;
		}
	}
	lookup_hits = hits;
	return XDP_PASS;
}
LICENSE;
