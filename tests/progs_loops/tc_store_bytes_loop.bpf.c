/* tc_store_bytes_loop: rewrite up to 16 bytes of the packet with bpf_skb_store_bytes in a
 * loop (a helper that invalidates packet pointers: they are re-derived each iteration). */
#include "loops.h"

SEC("tc")
int tc_store_bytes_loop(struct __sk_buff *skb)
{
	for (__u32 off = 0; off < 16; off++) {
		void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
		__u8 *p = data + off;
		if ((void *)(p + 1) > end)
			break;
		__u8 v = *p ^ 0x20;
		if (bpf_skb_store_bytes(skb, off, &v, 1, 0) < 0)
			break;
	}
	return TC_ACT_OK;
}
LICENSE;
