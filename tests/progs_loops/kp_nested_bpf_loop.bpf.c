/* kp_nested_bpf_loop: a subprogram (not inlined) called in a bounded loop that itself
 * runs bpf_loop with a callback updating the caller's context. */
#include "loops.h"

struct acc {
	__u64 sum;
	__u32 n;
};

static int step(__u32 i, struct acc *a)
{
	a->sum += i * a->n;
	return 0;
}

static __noinline __u64 run(__u32 n)
{
	struct acc a = {0, n};
	bpf_loop(n & 63, step, &a, 0);
	return a.sum;
}

__u64 nested_loop_out;

SEC("kprobe/do_nanosleep")
int kp_nested_bpf_loop(void *ctx)
{
	__u64 t = 0;
	for (__u32 k = 0; k < 8; k++)
		t += run(bpf_get_prandom_u32() + k);
	nested_loop_out = t;
	return 0;
}
LICENSE;
