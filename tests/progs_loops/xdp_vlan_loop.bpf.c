/* xdp_vlan_loop: skip up to 4 stacked VLAN headers in a loop, then a switch on the
 * protocol. */
#include "loops.h"

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

SEC("xdp")
int xdp_vlan_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	__u16 proto = eth->h_proto;
	void *cur = eth + 1;
#pragma nounroll
	for (int i = 0; i < 4; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vlan_hdr *v = cur;
		if ((void *)(v + 1) > end)
			return XDP_DROP;
		proto = v->proto;
		cur = v + 1;
	}
	switch (bpf_ntohs(proto)) {
	case ETH_P_IP: {
		struct iphdr *ip = cur;
		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		return ip->ttl < 2 ? XDP_DROP : XDP_PASS;
	}
	case ETH_P_IPV6:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}
LICENSE;
