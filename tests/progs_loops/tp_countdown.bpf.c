/* tp_countdown: a signed counter counting down with a data-dependent step (1 or 3),
 * writing a stack histogram at the counter's (checked) index. */
#include "loops.h"

__u64 countdown_out;

SEC("tracepoint/syscalls/sys_enter_read")
int tp_countdown(void *ctx)
{
	__u32 hist[16] = {};
	__u64 r = bpf_get_prandom_u32();
	for (int n = 23; n >= 0;) {
		hist[n & 15]++;
		if (r & 1)
			n -= 3;
		else
			n -= 1;
		r >>= 1;
	}
	__u64 s = 0;
	for (int i = 0; i < 16; i++)
		s = s * 3 + hist[i];
	countdown_out = s;
	return 0;
}
LICENSE;
