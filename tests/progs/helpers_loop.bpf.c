/* helpers_loop.bpf.c - bpf_loop: full runs, an early stop, zero iterations, bad flags. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct loop_result res;

struct loop_ctx {
	__u64 sum;
	__u64 stop_at;
};

static int body(__u32 i, struct loop_ctx *c)
{
	res.calls++;
	c->sum += i;
	return i == c->stop_at ? 1 : 0;
}

SEC("raw_tp/sys_enter")
int loop_prog(void *ctx)
{
	struct loop_ctx c = {0, 1000};
	res.ret[0] = bpf_loop(10, body, &c, 0);
	c.stop_at = 3;
	res.ret[1] = bpf_loop(10, body, &c, 0);
	res.ret[2] = bpf_loop(0, body, &c, 0);
	res.ret[3] = bpf_loop(10, body, &c, 1);
	res.sum = c.sum;
	return 0;
}

char _license[] SEC("license") = "GPL";
