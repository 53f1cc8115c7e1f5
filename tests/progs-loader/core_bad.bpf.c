/* core_bad.bpf.c - loader test object: a CO-RE field read the target BTF cannot satisfy:
 * the object opens, loading it fails naming the field. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct __sk_buff___bad {
	__u32 no_such_field;
} __attribute__((preserve_access_index));

SEC("tc")
int core_bad(struct __sk_buff *skb)
{
	return ((struct __sk_buff___bad *)skb)->no_such_field;
}

char LICENSE[] SEC("license") = "GPL";
