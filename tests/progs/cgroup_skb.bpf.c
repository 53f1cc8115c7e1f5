/* cgroup_skb.bpf.c - a cgroup skb program (L3 view): allow packets whose IPv4 source is
 * 10.0.0.1, recording what it read. */
#include <linux/bpf.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

__u32 seen[4];

SEC("cgroup_skb/egress")
int cg_skb(struct __sk_buff *skb)
{
	struct iphdr ip;
	seen[0] = skb->len;
	seen[1] = skb->protocol;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof ip))
		return 0;
	seen[2] = ip.saddr;
	seen[3] = skb->family;
	return ip.saddr == bpf_htonl(0x0a000001) ? 1 : 0;
}

char _license[] SEC("license") = "GPL";
