/* tc_matmul: the diagonal of an 8x8 matrix's square on the stack (three nested loops). */
#include "loops.h"

SEC("tc")
int tc_matmul(struct __sk_buff *skb)
{
	__u32 a[8][8], c[8];
	__u32 s = skb->len;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			a[i][j] = s = s * 1103515245 + 12345;
	for (int i = 0; i < 8; i++) {
		c[i] = 0;
		for (int j = 0; j < 8; j++) {
			__u32 t = 0;
			for (int k = 0; k < 8; k++)
				t += a[i][k] * a[k][j];
			if (i == j)
				c[i] = t;
		}
	}
	__u32 tr = 0;
	for (int i = 0; i < 8; i++)
		tr += c[i];
	return tr & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}
LICENSE;
