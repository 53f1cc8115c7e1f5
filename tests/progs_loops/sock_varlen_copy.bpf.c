/* sock_varlen_copy: copy a length-prefixed field (length from the packet, clamped) into a
 * stack buffer with bpf_skb_load_bytes, then checksum the copy in a loop bounded by it. */
#include "loops.h"

SEC("socket")
int sock_varlen_copy(struct __sk_buff *skb)
{
	__u8 len;
	__u8 buf[64];
	if (bpf_skb_load_bytes(skb, 0, &len, 1) < 0)
		return 0;
	__u32 n = len & 63;
	if (n == 0)
		return 0;
	if (bpf_skb_load_bytes(skb, 1, buf, n) < 0)
		return 0;
	__u32 sum = 0;
	for (__u32 i = 0; i < 64; i++) {
		if (i >= n)
			break;
		sum += buf[i];
	}
	return sum & 1 ? skb->len : 0;
}
LICENSE;
