/* tp_early_break: search an array map for the current pid, break when found. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s32);
} found SEC(".maps");

SEC("tracepoint/sched/sched_switch")
int tp_early_break(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__s32 at = -1;
	for (__u32 i = 0; i < 512; i++) {
		__u64 key = i; /* an 8-byte slot: the kernel tracks the spill */
		__u32 *p = bpf_map_lookup_elem(&pids, &key);
		if (!p)
			break;
		if (*p == pid) {
			at = i;
			break;
		}
	}
	__u32 k = 0;
	__s32 *f = bpf_map_lookup_elem(&found, &k);
	if (f)
		*f = at;
	return 0;
}
LICENSE;
