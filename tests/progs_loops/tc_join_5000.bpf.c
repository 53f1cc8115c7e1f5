/* tc_join_5000: a 5000-iteration loop with an if/else join inside on a random value. */
#include "loops.h"

SEC("tc")
int tc_join_5000(struct __sk_buff *skb)
{
	__u64 acc = skb->len;
	for (int i = 0; i < 5000; i++) {
		if ((acc ^ i) & 4)
			acc = acc * 3 + 1;
		else
			acc >>= 1;
	}
	return acc & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
