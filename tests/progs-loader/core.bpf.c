/* core.bpf.c - loader test object: CO-RE relocations against the context types. The local
 * flavours have other layouts than the target's struct __sk_buff, so field offsets must
 * be rewritten; a field that does not exist is only probed with bpf_core_field_exists. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct __sk_buff___mine {
	__u32 mark;            /* target offset 8 */
	__u32 priority;        /* target offset 32 */
	__u32 cb[5];           /* target offset 48 */
	__u32 no_such_field;
} __attribute__((preserve_access_index));

enum xbpf_test_enum { XBPF_TEST_A = 1 };

SEC("tc")
int core_prog(struct __sk_buff *skb)
{
	struct __sk_buff___mine *s = (void *)skb;
	int r = s->mark + s->priority + s->cb[2];
	r += bpf_core_field_exists(s->no_such_field) ? 1000 : 0;
	r += bpf_core_field_size(s->priority);
	r += bpf_core_field_offset(s->cb[2]);
	r += bpf_core_type_exists(struct __sk_buff___mine);
	return r;
}

char LICENSE[] SEC("license") = "GPL";
