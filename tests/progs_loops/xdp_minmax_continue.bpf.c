/* xdp_minmax_continue: min and max of packet bytes, skipping zero bytes (continue), with
 * the results written back into the packet. */
#include "loops.h"

SEC("xdp")
int xdp_minmax_continue(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 lo = 255, hi = 0;
	for (int i = 2; i < 512; i++) {
		__u8 *p = data + i;
		if ((void *)(p + 1) > end)
			break;
		if (!*p)
			continue;
		if (*p < lo)
			lo = *p;
		if (*p > hi)
			hi = *p;
	}
	__u8 *o = data;
	if ((void *)(o + 2) > end)
		return XDP_PASS;
	o[0] = lo;
	o[1] = hi;
	return XDP_TX;
}
LICENSE;
