/* tc_misc.bpf.c - more tc helpers: skb_load_bytes_relative (MAC and network header),
 * skb_get_tunnel_key without tunnel metadata, redirect_neigh, redirect_peer, and
 * get_hash_recalc (its value differs from the kernel's random-seeded hash: only its
 * properties are recorded). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	long rets[10];
	__u8 mac_src[8];
	__u32 saddr;
	__u32 hash_nonzero, hash_kept;
	struct bpf_tunnel_key key;
} out;

SEC("tc")
int tc_misc(struct __sk_buff *skb)
{
	__builtin_memset(&out.key, 0x5a, sizeof out.key);
	out.rets[0] = bpf_skb_load_bytes_relative(skb, 6, out.mac_src, 6, BPF_HDR_START_MAC);
	out.rets[1] = bpf_skb_load_bytes_relative(skb, 12, &out.saddr, 4, BPF_HDR_START_NET);
	out.rets[2] = bpf_skb_load_bytes_relative(skb, 0, out.mac_src + 6, 2, 2);
	out.rets[3] = bpf_skb_load_bytes_relative(skb, 42, &out.hash_kept, 4, BPF_HDR_START_NET);
	out.rets[4] = bpf_skb_get_tunnel_key(skb, &out.key, sizeof out.key, 0);
	out.rets[5] = bpf_redirect_neigh(1, 0, 0, 0);
	out.rets[6] = bpf_redirect_neigh(1, 0, 0, 1);
	out.rets[7] = bpf_redirect_peer(1, 0);
	out.rets[8] = bpf_redirect_peer(1, 1);
	__u32 h = bpf_get_hash_recalc(skb);
	out.hash_nonzero = h != 0;
	out.hash_kept = skb->hash == h;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
