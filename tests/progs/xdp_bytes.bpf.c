/* xdp_bytes.bpf.c - xdp_load_bytes / xdp_store_bytes and bpf_redirect from XDP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	long rets[6];
	__u8 loaded[8];
} out;

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	out.rets[0] = bpf_xdp_load_bytes(ctx, 6, out.loaded, 6);
	out.rets[1] = bpf_xdp_store_bytes(ctx, 0, out.loaded, 6);   /* dest MAC = source MAC */
	out.rets[2] = bpf_xdp_load_bytes(ctx, 60, out.loaded, 8);   /* past the end: -EINVAL */
	out.rets[3] = bpf_xdp_store_bytes(ctx, 0x10000, out.loaded, 1);
	out.rets[4] = bpf_redirect(1, 0);
	out.rets[5] = bpf_redirect(1, 1);
	return (int)out.rets[4];
}

char _license[] SEC("license") = "GPL";
