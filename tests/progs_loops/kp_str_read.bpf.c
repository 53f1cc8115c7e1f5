/* kp_str_read: read a kernel string and find its length and the number of '/' in a loop
 * over the (helper-bounded) buffer, breaking at the terminator. */
#include "loops.h"

__u32 slashes_out;

SEC("kprobe/do_sys_openat2")
int kp_str_read(struct pt_regs *ctx)
{
	char buf[128];
	long n = bpf_probe_read_kernel_str(buf, sizeof buf, (void *)bpf_get_current_task());
	if (n <= 0)
		return 0;
	__u32 slashes = 0;
	for (int i = 0; i < sizeof buf; i++) {
		if (i >= n || !buf[i])
			break;
		if (buf[i] == '/')
			slashes++;
	}
	slashes_out = slashes;
	return 0;
}
LICENSE;
