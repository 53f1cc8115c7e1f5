/* tc_inner_join: a small inner loop (4 steps) with a join inside, within a 2000-iteration
 * outer loop; the count of taken sides indexes a stack array (it is precise). */
#include "loops.h"

SEC("tc")
int tc_inner_join(struct __sk_buff *skb)
{
	__u32 x = skb->len, slots[8] = {};
	for (int i = 0; i < 2000; i++) {
		int c = 0;
		for (int j = 0; j < 4; j++)
			if ((x >> (i + j) % 32) & 1)
				c++;
		slots[c & 7] += 1;
		x = x * 1664525 + 1013904223;
	}
	return slots[2] > slots[3] ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
