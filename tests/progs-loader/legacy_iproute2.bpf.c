/* legacy_iproute2.bpf.c - loader test object: iproute2's struct bpf_elf_map (9 fields =
 * 36 bytes) with pinning, and Cilium/iproute2 section names (numbered tail-call
 * sections, from-*, classifier), a map-in-map whose inner_id names its template by id. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map SEC("maps") calls = {
	.type = BPF_MAP_TYPE_PROG_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 8,
	.id = 2, .pinning = 2, /* section "2/1" goes to slot 1 of this map */
};
struct bpf_elf_map SEC("maps") stats = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 1,
	.flags = 0,
};

/* map-in-map: inner_id names the template by its id (7), which is not its index (2) */
struct bpf_elf_map SEC("maps") outer = {
	.type = BPF_MAP_TYPE_HASH_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 4,
	.inner_id = 7,
};
struct bpf_elf_map SEC("maps") inner_tmpl = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 40, .max_elem = 1, .id = 7,
	.inner_idx = 0xffffffff,
};

SEC("2/1")
int tail1(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&stats, &k);
	if (v)
		*v += skb->len;
	return 0;
}

SEC("from-netdev")
int entry(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &calls, 1);
	return 0;
}

SEC("classifier")
int cls(struct __sk_buff *skb)
{
	return skb->data_end - skb->data > 10;
}

char __license[] SEC("license") = "GPL";
