/* verify_bad.bpf.c - loader test object: a map value used without its NULL check. It
 * opens and links; loading runs the verifier, which rejects it (no_verify skips that).
 * A hash map: lookups in an array with a constant in-range key cannot fail (the kernel
 * and xbpf both know it), so that would not need the check. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} vals SEC(".maps");

SEC("xdp")
int no_null_check(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &k);
	return *v;
}

char LICENSE[] SEC("license") = "GPL";
