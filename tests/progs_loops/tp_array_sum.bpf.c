/* tp_array_sum: a tracepoint summing the 64 entries of an array map, a lookup each. */
#include "loops.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} total SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_write")
int tp_array_sum(void *ctx)
{
	__u64 sum = 0;
	for (__u32 i = 0; i < 64; i++) {
		__u64 key = i; /* an 8-byte slot: the kernel tracks the spill */
		__u64 *v = bpf_map_lookup_elem(&vals, &key);
		if (!v)
			continue;
		sum += *v;
	}
	__u32 k = 0;
	__u64 *t = bpf_map_lookup_elem(&total, &k);
	if (t)
		*t = sum;
	return 0;
}
LICENSE;
