/* xdp_tcp_options: the classic TCP options walk (kind/length TLVs, variable advance) up
 * to 40 bytes, looking for the MSS option. */
#include "loops.h"

SEC("xdp")
int xdp_tcp_options(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > end || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__u8 *opt = (void *)(tcp + 1);
	__u32 off = 0, mss = 0;
	for (int i = 0; i < 10; i++) {
		if (off >= 40)
			break;
		__u8 *k = opt + off;
		if ((void *)(k + 1) > end)
			break;
		if (*k == 0)
			break;
		if (*k == 1) {
			off++;
			continue;
		}
		if ((void *)(k + 2) > end)
			break;
		__u8 len = k[1];
		if (len < 2)
			break;
		if (*k == 2 && len == 4) {
			if ((void *)(k + 4) > end)
				break;
			mss = (k[2] << 8) | k[3];
			break;
		}
		off += len;
	}
	return mss && mss < 536 ? XDP_DROP : XDP_PASS;
}
LICENSE;
