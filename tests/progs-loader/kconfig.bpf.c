/* kconfig.bpf.c - loader test object: .kconfig externs (a known one, a weak unknown one). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_XBPF_DOES_NOT_EXIST __kconfig __weak;

SEC("syscall")
int kc(void *ctx)
{
	return LINUX_KERNEL_VERSION + CONFIG_XBPF_DOES_NOT_EXIST;
}

char LICENSE[] SEC("license") = "GPL";
