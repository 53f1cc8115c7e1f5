/* tc_load_bytes_loop: reads 4 bytes at a time with bpf_skb_load_bytes at a loop-variable
 * offset, over up to 256 bytes. */
#include "loops.h"

SEC("tc")
int tc_load_bytes_loop(struct __sk_buff *skb)
{
	__u32 x = 0;
	for (__u32 off = 0; off < 256; off += 4) {
		__u32 w;
		if (bpf_skb_load_bytes(skb, off, &w, 4) < 0)
			break;
		x ^= w;
	}
	return x == 0x12345678 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
