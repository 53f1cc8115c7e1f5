/* tc_prandom_join: 300 iterations, each calling a helper and branching three ways on it. */
#include "loops.h"

SEC("tc")
int tc_prandom_join(struct __sk_buff *skb)
{
	__u32 a = 0, b = 0, c = 0;
	for (int i = 0; i < 300; i++) {
		__u32 r = bpf_get_prandom_u32();
		if (r < 1000)
			a++;
		else if (r & 1)
			b += r & 7;
		else
			c ^= r;
	}
	return (a + b + c) & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
