/* tc_subprog_loop: a loop in a non-inlined function called twice with different
 * arguments (a packet pointer bounded by the caller and a stack buffer). */
#include "loops.h"

static __noinline __u32 mix(const __u8 *buf, int n)
{
	__u32 h = 2166136261u;
	for (int i = 0; i < n && i < 32; i++)
		h = (h ^ buf[i]) * 16777619u;
	return h;
}

SEC("tc")
int tc_subprog_loop(struct __sk_buff *skb)
{
	__u8 buf[32] = {};
	if (bpf_skb_load_bytes(skb, 0, buf, sizeof buf) < 0)
		return TC_ACT_OK;
	__u32 a = mix(buf, 32);
	__u32 b = mix(buf, skb->len & 15);
	return (a ^ b) & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
