/* kp_list_walk: walk up to 32 nodes of a kernel linked list through
 * bpf_probe_read_kernel, stopping at NULL or a match. */
#include "loops.h"

struct node {
	struct node *next;
	__u64 key;
};

SEC("kprobe/do_nanosleep")
int kp_list_walk(struct pt_regs *ctx)
{
	struct node *n = (void *)bpf_get_current_task();
	__u64 want = bpf_get_prandom_u32();
	int depth = -1;
	for (int i = 0; i < 32 && n; i++) {
		struct node cur;
		if (bpf_probe_read_kernel(&cur, sizeof cur, n))
			break;
		if (cur.key == want) {
			depth = i;
			break;
		}
		n = cur.next;
	}
	return depth;
}
LICENSE;
