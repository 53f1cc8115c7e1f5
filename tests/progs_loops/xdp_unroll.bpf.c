/* xdp_unroll: the same 16-step loop unrolled and not (two programs). */
#include "loops.h"

SEC("xdp")
int xdp_unrolled(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 16 > end)
		return XDP_PASS;
	__u8 *b = data;
	__u32 x = 0;
#pragma unroll
	for (int i = 0; i < 16; i++)
		x = x * 31 + (b[i] > 0x7f ? b[i] - 0x7f : b[i]);
	return x & 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_not_unrolled(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 16 > end)
		return XDP_PASS;
	__u8 *b = data;
	__u32 x = 0;
#pragma nounroll
	for (int i = 0; i < 16; i++)
		x = x * 31 + (b[i] > 0x7f ? b[i] - 0x7f : b[i]);
	return x & 1 ? XDP_DROP : XDP_PASS;
}
LICENSE;
