/* xdp_u8_counter: an 8-bit loop counter (wraps at 256: the bound 200 stops it) indexing a
 * per-iteration spill to a stack array. */
#include "loops.h"

__u64 u8_out;

SEC("xdp")
int xdp_u8_counter(struct xdp_md *ctx)
{
	__u64 a[16];
	__u64 v = ctx->data_end - ctx->data;
	for (__u8 i = 0; i < 200; i++) {
		v = v * 7 + i;
		a[i & 15] = v;
	}
	__u64 s = 0;
	for (int i = 0; i < 16; i++)
		s ^= a[i];
	u8_out = s;
	return XDP_PASS;
}
LICENSE;
