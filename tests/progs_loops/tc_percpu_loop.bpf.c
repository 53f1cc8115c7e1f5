/* tc_percpu_loop: nested loops over per-CPU array entries with a helper call in each outer
 * iteration (the map value pointer and counters survive it in callee-saved registers). */
#include "loops.h"

struct stats {
	__u64 v[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct stats);
} st SEC(".maps");

__u64 percpu_total; /* the result, never compared: imprecise */

SEC("tc")
int tc_percpu_loop(struct __sk_buff *skb)
{
	__u64 total = 0;
	for (__u32 k = 0; k < 4; k++) {
		__u64 key = k; /* an 8-byte slot: the kernel tracks the spill */
		struct stats *s = bpf_map_lookup_elem(&st, &key);
		if (!s)
			break;
		__u64 t = bpf_ktime_get_ns();
		for (int j = 0; j < 8; j++) {
			s->v[j] += (t >> j) & 1;
			total += s->v[j];
		}
	}
	percpu_total = total;
	return TC_ACT_OK;
}
LICENSE;
