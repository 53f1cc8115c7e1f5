/* xdp_ip_csum: the IPv4 header checksum, a 16-bit word loop (not unrolled) over the 10
 * words of an option-less header checked once. */
#include "loops.h"

SEC("xdp")
int xdp_ip_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	if (ip->ihl != 5)
		return XDP_PASS;
	__u32 sum = 0;
	__u16 *w = (void *)ip;
#pragma nounroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum ? XDP_DROP : XDP_PASS;
}
LICENSE;
