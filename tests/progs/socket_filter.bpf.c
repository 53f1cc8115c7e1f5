/* socket_filter.bpf.c - a socket filter: __sk_buff fields and classic packet loads
 * (LD_ABS/LD_IND, relative to the network header), accept UDP up to 1000 bytes. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

__u32 seen[8];

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	seen[0] = skb->len;
	seen[1] = skb->protocol;
	seen[2] = skb->pkt_type;
	seen[3] = load_byte(skb, 9);            /* IP protocol */
	seen[4] = load_half(skb, 2);            /* IP total length */
	seen[5] = load_word(skb, 12);           /* source address */
	seen[6] = skb->ifindex;
	seen[7] = skb->mark;
	if (seen[3] != IPPROTO_UDP)
		return 0;
	return skb->len > 1000 ? 0 : skb->len;
}

char _license[] SEC("license") = "GPL";
