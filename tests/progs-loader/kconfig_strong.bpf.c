/* kconfig_strong.bpf.c - loader test object: a non-weak .kconfig extern xbpf has no value
 * for: the object opens, loading fails naming the extern. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_XBPF_DOES_NOT_EXIST __kconfig;

SEC("syscall")
int kc(void *ctx)
{
	return CONFIG_XBPF_DOES_NOT_EXIST;
}

char LICENSE[] SEC("license") = "GPL";
