/* tc_resize.bpf.c - skb_change_tail, skb_change_head and skb_pull_data: grow and shrink
 * the packet, with the resulting lengths recorded and the new bytes written. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	long rets[8];
	__u32 lens[4];
} out;

SEC("tc")
int tc_resize(struct __sk_buff *skb)
{
	out.lens[0] = skb->len;
	out.rets[0] = bpf_skb_change_tail(skb, skb->len + 10, 0);
	out.lens[1] = skb->len;
	out.rets[1] = bpf_skb_change_head(skb, 8, 0);
	out.lens[2] = skb->len;
	out.rets[2] = bpf_skb_pull_data(skb, 0);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 8 > end)
		return TC_ACT_SHOT;
	__builtin_memcpy(data, "HEAD1234", 8);
	out.rets[3] = bpf_skb_change_tail(skb, skb->len - 20, 0);
	out.lens[3] = skb->len;
	out.rets[4] = bpf_skb_change_tail(skb, 5, 0);       /* below the MAC header */
	out.rets[5] = bpf_skb_change_tail(skb, 70000, 0);   /* too long */
	out.rets[6] = bpf_skb_change_head(skb, 4, 1);       /* flags */
	out.rets[7] = bpf_skb_pull_data(skb, 5000);         /* past the end */
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
