/* sock_u32_counter: a 2000-iteration loop on a 32-bit counter with a helper value. */
#include "loops.h"

SEC("socket")
int sock_u32_counter(struct __sk_buff *skb)
{
	__u32 h = skb->len;
	for (__u32 i = 0; i < 2000; i++) {
		h ^= i;
		h = (h << 5) | (h >> 27);
		if (h == 0xdeadbeef)
			break;
	}
	return h & 1 ? 0 : skb->len;
}
LICENSE;
