/* sock_count_byte: socket filter copying 64 packet bytes to the stack, then counting
 * occurrences of one byte value in the copy. */
#include "loops.h"

SEC("socket")
int sock_count_byte(struct __sk_buff *skb)
{
	__u8 buf[64];
	int n = 0;
	if (bpf_skb_load_bytes(skb, 0, buf, sizeof buf) < 0)
		return 0;
	for (int i = 0; i < 64; i++)
		if (buf[i] == 0x0a)
			n++;
	return n; /* bytes to keep: the count, never compared */
}
LICENSE;
