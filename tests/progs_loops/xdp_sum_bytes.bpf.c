/* xdp_sum_bytes: a byte sum over up to 1500 packet bytes, each access checked. */
#include "loops.h"

SEC("xdp")
int xdp_sum_bytes(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 sum = 0;
	for (int i = 0; i < 1500; i++) {
		__u8 *p = data + i;
		if ((void *)(p + 1) > end)
			break;
		sum += *p;
	}
	return sum & 1 ? XDP_DROP : XDP_PASS;
}
LICENSE;
