/* xdp_http_method: find the TCP payload and scan up to 64 bytes of it for the end of the
 * request line, a switch on each character (a state machine). */
#include "loops.h"

enum { S_METHOD, S_PATH, S_VERSION, S_DONE };

SEC("xdp")
int xdp_http_method(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__u8 *p = (void *)(tcp + 1);
	int state = S_METHOD, spaces = 0, path_len = 0;
	for (int i = 0; i < 64; i++) {
		if ((void *)(p + i + 1) > end)
			break;
		__u8 c = p[i];
		switch (state) {
		case S_METHOD:
			if (c == ' ')
				state = S_PATH, spaces++;
			else if (c < 'A' || c > 'Z')
				return XDP_DROP;
			break;
		case S_PATH:
			if (c == ' ')
				state = S_VERSION, spaces++;
			else
				path_len++;
			break;
		case S_VERSION:
			if (c == '\r' || c == '\n')
				state = S_DONE;
			break;
		}
		if (state == S_DONE)
			break;
	}
	return state == S_DONE && path_len > 1 && spaces == 2 ? XDP_PASS : XDP_DROP;
}
LICENSE;
