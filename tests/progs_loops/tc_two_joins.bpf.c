/* tc_two_joins: two independent joins per iteration of a 1000-iteration loop, one on a
 * packet-derived value and one on a helper value, the sides updating different
 * accumulators. */
#include "loops.h"

__u64 two_joins_out[2];

SEC("tc")
int tc_two_joins(struct __sk_buff *skb)
{
	__u64 a = 0, b = 0;
	__u32 x = skb->len;
	for (int i = 0; i < 1000; i++) {
		if ((x >> (i & 31)) & 1)
			a += i;
		else
			b ^= i;
		if (bpf_get_prandom_u32() & 1)
			a ^= b;
		else
			b += a;
	}
	two_joins_out[0] = a;
	two_joins_out[1] = b;
	return TC_ACT_OK;
}
LICENSE;
