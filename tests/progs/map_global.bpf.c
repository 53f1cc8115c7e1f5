/* map_global.bpf.c - global data: .data, .rodata, .bss and a custom .data section,
 * plus for_each_map_elem over a hash filled by the program and spin locks in a value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 5;
const volatile int step = 3;
long total;
int custom SEC(".data.custom") = 11;

struct val {
	struct bpf_spin_lock lock;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct val);
} vals SEC(".maps");

static long add_one(void *map, __u32 *key, struct val *v, long *acc)
{
	*acc += v->n * (*key);
	return 0;
}

SEC("tc")
int map_global(struct __sk_buff *skb)
{
	counter += step;
	custom *= 2;
	for (__u32 i = 1; i <= 4; i++) {
		__u32 k = i;
		struct val v;
		__builtin_memset(&v, 0, sizeof v); /* padding too: it is stored */
		v.n = i;
		bpf_map_update_elem(&vals, &k, &v, BPF_ANY);
	}
	__u32 k = 2;
	struct val *p = bpf_map_lookup_elem(&vals, &k);
	if (p) {
		bpf_spin_lock(&p->lock);
		p->n += 40;
		bpf_spin_unlock(&p->lock);
	}
	long acc = 0;
	long n = bpf_for_each_map_elem(&vals, add_one, &acc, 0);
	total = acc * 100 + n;
	return 0;
}

char _license[] SEC("license") = "GPL";
