/* map_ringbuf.bpf.c - RINGBUF: reserve/submit, reserve/discard, output, query; the
 * records and positions are compared with the kernel's. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

long rets[8];

SEC("xdp")
int map_ringbuf(struct xdp_md *ctx)
{
	__u64 *rec = bpf_ringbuf_reserve(&rb, 16, 0);
	if (!rec)
		return XDP_ABORTED;
	rec[0] = 0x1111;
	rec[1] = 0x2222;
	bpf_ringbuf_submit(rec, 0);
	rec = bpf_ringbuf_reserve(&rb, 8, 0);
	if (!rec)
		return XDP_ABORTED;
	bpf_ringbuf_discard(rec, 0);
	__u32 small = 0xabcd;
	rets[0] = bpf_ringbuf_output(&rb, &small, sizeof small, 0);
	rets[1] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	rets[2] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
	rets[3] = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
	rets[4] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
	void *big = bpf_ringbuf_reserve(&rb, 8192, 0);      /* too big */
	rets[5] = big != 0;
	if (big)
		bpf_ringbuf_discard(big, 0);
	rets[6] = bpf_ringbuf_output(&rb, &small, sizeof small, 7); /* bad flags */
	rets[7] = bpf_ringbuf_query(&rb, 99);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
