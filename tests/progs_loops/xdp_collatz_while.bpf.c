/* xdp_collatz_while: a while loop with a counter bound and a data-dependent step. */
#include "loops.h"

SEC("xdp")
int xdp_collatz_while(struct xdp_md *ctx)
{
	__u64 x = ctx->data_end - ctx->data + 27;
	int steps = 0;
	while (x != 1 && steps < 500) {
		if (x & 1)
			x = 3 * x + 1;
		else
			x /= 2;
		steps++;
	}
	return steps > 100 ? XDP_DROP : XDP_PASS;
}
LICENSE;
