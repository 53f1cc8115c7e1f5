/* xdp_two_counters: a loop whose packet cursor advances by 1 or 2 depending on the data,
 * bounded by an iteration counter. */
#include "loops.h"

__u32 escapes; /* the result, never compared: imprecise */

SEC("xdp")
int xdp_two_counters(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 pos = 0, esc = 0;
	for (int i = 0; i < 12; i++) {
		if (pos > 20)
			break;
		__u8 *p = data + pos;
		if ((void *)(p + 2) > end)
			break;
		if (p[0] == '\\') {
			esc++;
			pos += 2;
		} else {
			pos += 1;
		}
	}
	escapes = esc;
	return XDP_PASS;
}
LICENSE;
