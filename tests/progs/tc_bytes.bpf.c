/* tc_bytes.bpf.c - a tc program rewriting an IPv4/TCP packet with skb_load_bytes,
 * skb_store_bytes, l3_csum_replace and l4_csum_replace (new destination address, TTL
 * decrement, checksums fixed up), setting mark and a cb slot, and redirecting. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

long rets[10];

#define IP_OFF ETH_HLEN
#define DADDR_OFF (IP_OFF + 16)
#define IPCSUM_OFF (IP_OFF + 10)
#define TCPCSUM_OFF (IP_OFF + 20 + 16)
#define TTL_OFF (IP_OFF + 8)

SEC("tc")
int tc_bytes(struct __sk_buff *skb)
{
	__u32 old_daddr, new_daddr = bpf_htonl(0x0a000063);
	rets[0] = bpf_skb_load_bytes(skb, DADDR_OFF, &old_daddr, 4);
	rets[1] = bpf_l4_csum_replace(skb, TCPCSUM_OFF, old_daddr, new_daddr,
				      BPF_F_PSEUDO_HDR | 4);
	rets[2] = bpf_l3_csum_replace(skb, IPCSUM_OFF, old_daddr, new_daddr, 4);
	rets[3] = bpf_skb_store_bytes(skb, DADDR_OFF, &new_daddr, 4, 0);
	__u16 old_ttl_proto, new_ttl_proto;
	rets[4] = bpf_skb_load_bytes(skb, TTL_OFF, &old_ttl_proto, 2);
	new_ttl_proto = bpf_htons(bpf_ntohs(old_ttl_proto) - 0x100);
	rets[5] = bpf_l3_csum_replace(skb, IPCSUM_OFF, old_ttl_proto, new_ttl_proto, 2);
	rets[6] = bpf_skb_store_bytes(skb, TTL_OFF, &new_ttl_proto, 2, BPF_F_INVALIDATE_HASH);
	__u8 buf[4];
	rets[7] = bpf_skb_load_bytes(skb, skb->len - 2, buf, 4); /* past the end */
	rets[8] = bpf_l3_csum_replace(skb, 11, 0, 0, 2);         /* odd offset */
	rets[9] = bpf_csum_update(skb, 5);
	skb->mark = 0x1234;
	skb->cb[2] = skb->len;
	skb->priority = 6;
	return bpf_redirect(skb->ifindex, 0);
}

char _license[] SEC("license") = "GPL";
