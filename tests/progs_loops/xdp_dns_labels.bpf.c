/* xdp_dns_labels: walk a DNS name's labels in the UDP payload (length-prefixed, up to 16
 * labels and 128 bytes), summing the label lengths. */
#include "loops.h"

SEC("xdp")
int xdp_dns_labels(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	__u8 *q = (void *)(udp + 1) + 12;
	__u32 off = 0, total = 0;
	for (int i = 0; i < 16; i++) {
		if (off > 128)
			return XDP_DROP;
		__u8 *l = q + off;
		if ((void *)(l + 1) > end)
			return XDP_DROP;
		if (*l == 0)
			break;
		if (*l > 63)
			return XDP_DROP;
		total += *l;
		off += *l + 1;
	}
	return total > 100 ? XDP_DROP : XDP_PASS;
}
LICENSE;
