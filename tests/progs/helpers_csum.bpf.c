/* helpers_csum.bpf.c - bpf_csum_diff over the packet and stack buffers (tc program). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct csum_result res;

SEC("tc")
int csum_prog(struct __sk_buff *skb)
{
	__u32 a[2] = {0x01020304, 0xa0b0c0d0}, b[2] = {0x11111111, 0xffffffff}, z[2] = {0, 0};
	res.diff[0] = bpf_csum_diff(0, 0, a, 8, 0);
	res.diff[1] = bpf_csum_diff(a, 8, b, 8, 0);
	res.diff[2] = bpf_csum_diff(a, 8, a, 8, 0);
	res.diff[3] = bpf_csum_diff(z, 8, z, 8, 0);
	res.diff[4] = bpf_csum_diff(b, 4, 0, 0, 0x12345);
	res.diff[5] = bpf_csum_diff(a, 6, b, 4, 0);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
