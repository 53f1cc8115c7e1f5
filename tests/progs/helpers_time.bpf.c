/* helpers_time.bpf.c - the clock helpers, sampled twice (property-checked: monotonic,
 * inside the window around the run). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct time_result res;

SEC("tc")
int time_prog(struct __sk_buff *skb)
{
#pragma clang loop unroll(full)
	for (int i = 0; i < 2; i++) {
		res.ktime[i] = bpf_ktime_get_ns();
		res.boot[i] = bpf_ktime_get_boot_ns();
		res.coarse[i] = bpf_ktime_get_coarse_ns();
		res.jiffies[i] = bpf_jiffies64();
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
