/* xdp_write_loop: swap the MAC addresses byte by byte and mask the payload's first 64
 * bytes in place (packet writes in loops). */
#include "loops.h"

SEC("xdp")
int xdp_write_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	for (int i = 0; i < ETH_ALEN; i++) {
		__u8 t = eth->h_dest[i];
		eth->h_dest[i] = eth->h_source[i];
		eth->h_source[i] = t;
	}
	__u8 *p = (void *)(eth + 1);
	for (int i = 0; i < 64; i++) {
		if ((void *)(p + i + 1) > end)
			break;
		p[i] &= 0x7f;
	}
	return XDP_TX;
}
LICENSE;
