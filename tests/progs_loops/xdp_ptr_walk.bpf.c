/* xdp_ptr_walk: a pointer-cursor loop (while cursor < end) over 4-byte words, bounded by
 * an iteration counter. */
#include "loops.h"

__u32 ptr_walk_out;

SEC("xdp")
int xdp_ptr_walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *w = data, x = 0;
	for (int n = 0; n < 256; n++) {
		if ((void *)(w + 1) > end)
			break;
		x ^= *w;
		w++;
	}
	ptr_walk_out = x;
	return XDP_PASS;
}
LICENSE;
