/* xdp_meta.bpf.c - XDP metadata given through ctx_in (xdp_md.data = metadata length):
 * read it, the interface fields, and grow the metadata by 4 bytes. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 seen[6];

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;
	if (meta + 8 > data)
		return XDP_ABORTED;
	seen[0] = *(__u32 *)meta;
	seen[1] = *(__u32 *)(meta + 4);
	seen[2] = data - meta;
	seen[3] = ctx->ingress_ifindex;
	seen[4] = ctx->rx_queue_index;
	seen[5] = bpf_xdp_adjust_meta(ctx, -4);
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + 4 > data)
		return XDP_ABORTED;
	*(__u32 *)meta = 0xfeedf00d;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
