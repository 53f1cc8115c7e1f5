/* kp_bpf_loop: a kprobe running bpf_loop 1000 times; the callback looks up an array map
 * and stops early on a condition. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct cb_ctx {
	__u64 sum;
	__u32 hits;
};

static int cb(__u32 i, struct cb_ctx *c)
{
	__u32 k = i & 63;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);
	if (!v)
		return 1;
	if (*v > 100)
		c->hits++;
	c->sum += *v;
	return c->hits > 10;
}

SEC("kprobe/do_nanosleep")
int kp_bpf_loop(void *ctx)
{
	struct cb_ctx c = {};
	bpf_loop(1000, cb, &c, 0);
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);
	if (v)
		*v = c.sum + c.hits;
	return 0;
}
LICENSE;
