/* xdp_adjust.bpf.c - xdp_adjust_head/tail/meta, with the kernel's limits probed: grow the
 * head by 4 ("ENC!"), shrink the tail by 2, put 8 bytes of metadata in front, and record
 * each helper's result (including ones that must fail) in a global. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

long rets[8];

SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
	rets[0] = bpf_xdp_adjust_head(ctx, -4);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 4 > end)
		return XDP_ABORTED;
	__builtin_memcpy(data, "ENC!", 4);
	rets[1] = bpf_xdp_adjust_tail(ctx, -2);
	rets[2] = bpf_xdp_adjust_meta(ctx, -8);
	void *meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + 8 > data)
		return XDP_ABORTED;
	__builtin_memcpy(meta, "metadata", 8);
	rets[3] = bpf_xdp_adjust_head(ctx, -300);   /* past the headroom */
	rets[4] = bpf_xdp_adjust_tail(ctx, 4000);   /* past the frame */
	rets[5] = bpf_xdp_adjust_meta(ctx, -6);     /* not a multiple of 4 */
	rets[6] = bpf_xdp_adjust_meta(ctx, -40);    /* more than 32 bytes */
	rets[7] = bpf_xdp_get_buff_len(ctx);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
