/* xdp_nested: nested fixed-bound loops (8 x 8) with a data-dependent join inside. */
#include "loops.h"

__u64 nested_out; /* the result, never compared: imprecise */

SEC("xdp")
int xdp_nested(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 32 > end)
		return XDP_PASS;
	__u8 *b = data;
	__u64 acc = 0;
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 8; j++) {
			if (b[j] > b[i])
				acc += j;
			else
				acc ^= i;
		}
	}
	nested_out = acc;
	return XDP_PASS;
}
LICENSE;
