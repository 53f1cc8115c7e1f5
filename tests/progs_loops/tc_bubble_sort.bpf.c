/* tc_bubble_sort: bubble sort of 16 stack values (fixed bounds), a data-dependent swap. */
#include "loops.h"

SEC("tc")
int tc_bubble_sort(struct __sk_buff *skb)
{
	__u64 a[16];
	for (int i = 0; i < 16; i++)
		a[i] = bpf_get_prandom_u32();
	for (int i = 0; i < 15; i++)
		for (int j = 0; j < 15 - i; j++)
			if (a[j] > a[j + 1]) {
				__u64 t = a[j];
				a[j] = a[j + 1];
				a[j + 1] = t;
			}
	return a[0] <= a[15] ? TC_ACT_OK : TC_ACT_SHOT;
}
LICENSE;
