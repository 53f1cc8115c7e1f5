/* sock_strcmp: compare packet bytes with constant strings from .rodata in a loop. */
#include "loops.h"

static const char needles[4][8] = {"GET /", "POST /", "PUT /", "HEAD /"};

SEC("socket")
int sock_strcmp(struct __sk_buff *skb)
{
	char buf[8];
	if (bpf_skb_load_bytes(skb, 0, buf, sizeof buf) < 0)
		return 0;
	for (int n = 0; n < 4; n++) {
		int j;
		for (j = 0; j < 8 && needles[n][j]; j++)
			if (buf[j] != needles[n][j])
				break;
		if (j < 8 && !needles[n][j])
			return skb->len;
	}
	return 0;
}
LICENSE;
