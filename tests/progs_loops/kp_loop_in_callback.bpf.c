/* kp_loop_in_callback: bpf_loop whose callback runs a bounded inner loop over a stack
 * array of the caller. */
#include "loops.h"

struct loop_ctx {
	__u32 vals[16];
	__u64 out;
};

static int cb(__u32 i, struct loop_ctx *c)
{
	__u64 s = 0;
	for (int j = 0; j < 16; j++)
		s += c->vals[j] * (i + j);
	c->out ^= s;
	c->vals[i & 15] += 1;
	return 0;
}

SEC("kprobe/do_nanosleep")
int kp_loop_in_callback(void *ctx)
{
	struct loop_ctx c = {};
	for (int j = 0; j < 16; j++)
		c.vals[j] = bpf_get_prandom_u32();
	bpf_loop(100, cb, &c, 0);
	return c.out & 1;
}
LICENSE;
