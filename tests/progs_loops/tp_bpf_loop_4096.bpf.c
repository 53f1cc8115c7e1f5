/* tp_bpf_loop_4096: bpf_loop with 4096 calls whose callback branches twice on a helper
 * value and counts into the caller's stack (counts never compared). */
#include "loops.h"

struct cnt {
	__u64 lo, hi, odd;
};

static int cb(__u32 i, struct cnt *c)
{
	__u32 r = bpf_get_prandom_u32();
	if (r < 0x80000000)
		c->lo++;
	else
		c->hi++;
	if (r & 1)
		c->odd += i;
	return 0;
}

__u64 loop4096_out;

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_bpf_loop_4096(void *ctx)
{
	struct cnt c = {};
	bpf_loop(4096, cb, &c, 0);
	loop4096_out = c.lo * 3 + c.hi + c.odd;
	return 0;
}
LICENSE;
