/* tc_hash_update: counting into a hash map in a loop, lookup then update or init. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tc")
int tc_hash_update(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	for (int i = 0; i < 64; i++) {
		__u8 *p = data + i;
		if ((void *)(p + 1) > end)
			break;
		__u32 key = *p;
		__u64 *c = bpf_map_lookup_elem(&counts, &key);
		if (c) {
			__sync_fetch_and_add(c, 1);
		} else {
			__u64 one = 1;
			bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
		}
	}
	return TC_ACT_OK;
}
LICENSE;
