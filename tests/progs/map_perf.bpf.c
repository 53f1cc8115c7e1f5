/* map_perf.bpf.c - PERF_EVENT_ARRAY: perf_event_output to the current CPU's slot (no perf
 * event is open on it in a test run: -ENOENT in the kernel), to a slot past the end
 * (-E2BIG) and with an unknown flag (-EINVAL). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 2);
} events SEC(".maps");

long rets[3];

SEC("xdp")
int map_perf(struct xdp_md *ctx)
{
	__u64 v = 42;
	rets[0] = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &v, sizeof v);
	rets[1] = bpf_perf_event_output(ctx, &events, 1000, &v, sizeof v);
	rets[2] = bpf_perf_event_output(ctx, &events, 1ull << 63, &v, sizeof v);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
