/* map_lpm.bpf.c - LPM_TRIE: longest-prefix lookups of IPv4 addresses. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct key4);
	__type(value, __u32);
} lpm SEC(".maps");

long found[6];

static long look(__u8 a, __u8 b, __u8 c, __u8 d)
{
	struct key4 k = {32, {a, b, c, d}};
	__u32 *v = bpf_map_lookup_elem(&lpm, &k);
	return v ? *v : -1;
}

SEC("xdp")
int map_lpm(struct xdp_md *ctx)
{
	struct key4 k1 = {8, {10, 0, 0, 0}}, k2 = {16, {10, 1, 0, 0}}, k3 = {24, {10, 1, 2, 0}},
		    k4 = {0, {0, 0, 0, 0}};
	__u32 v1 = 8, v2 = 16, v3 = 24, v4 = 1;
	bpf_map_update_elem(&lpm, &k1, &v1, BPF_ANY);
	bpf_map_update_elem(&lpm, &k2, &v2, BPF_ANY);
	bpf_map_update_elem(&lpm, &k3, &v3, BPF_ANY);
	found[0] = look(10, 1, 2, 3);
	found[1] = look(10, 1, 3, 3);
	found[2] = look(10, 2, 0, 1);
	found[3] = look(11, 0, 0, 1);
	bpf_map_update_elem(&lpm, &k4, &v4, BPF_ANY);
	found[4] = look(11, 0, 0, 1);
	found[5] = bpf_map_delete_elem(&lpm, &k2);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
