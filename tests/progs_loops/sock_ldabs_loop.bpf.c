/* sock_ldabs_loop: a socket filter reading packet bytes with LD_ABS-style loads
 * (load_byte) at loop offsets, counting printable bytes among the first 48. */
#include "loops.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("socket")
int sock_ldabs_loop(struct __sk_buff *skb)
{
	int printable = 0;
	for (int i = 0; i < 48; i++) {
		__u8 c = load_byte(skb, i);
		if (c >= 0x20 && c < 0x7f)
			printable++;
	}
	return printable; /* bytes to keep: the count, never compared */
}
LICENSE;
