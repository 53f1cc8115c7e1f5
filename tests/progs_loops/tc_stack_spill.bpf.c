/* tc_stack_spill: fill a 48-entry u64 stack array in a loop, then read it back with a
 * masked, data-dependent index in a second loop. */
#include "loops.h"

SEC("tc")
int tc_stack_spill(struct __sk_buff *skb)
{
	__u64 a[48];
	__u64 seed = skb->len;
	for (int i = 0; i < 48; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		a[i] = seed >> 33;
	}
	__u64 acc = 0;
	for (int i = 0; i < 200; i++) {
		__u32 idx = (acc + i) & 31;
		acc += a[idx];
	}
	return acc & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
