/* tc_ringbuf_loop: reserve, fill in a loop and submit a ring buffer record per iteration
 * (a reference acquired and released inside each iteration) over up to 8 records. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct rec {
	__u32 idx;
	__u8 bytes[16];
};

SEC("tc")
int tc_ringbuf_loop(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	for (int i = 0; i < 8; i++) {
		__u8 *p = data + i * 16;
		if ((void *)(p + 16) > end)
			break;
		struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
		if (!r)
			break;
		r->idx = i;
		for (int j = 0; j < 16; j++)
			r->bytes[j] = p[j];
		if (r->bytes[0] == 0xff)
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
	}
	return TC_ACT_OK;
}
LICENSE;
