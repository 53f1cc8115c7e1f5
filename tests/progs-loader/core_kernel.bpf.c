/* core_kernel.bpf.c - loader test object: CO-RE against the kernel's BTF (vmlinux): a
 * field of struct task_struct through a local flavour, and a bitfield of struct
 * sock_common (byte offset, byte size, left and right shifts, signedness). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___mine {
	int tgid;
} __attribute__((preserve_access_index));

struct sock_common___mine {
	unsigned char skc_reuse:4;
} __attribute__((preserve_access_index));

SEC("kprobe/tcp_close")
int core_kernel(void *ctx)
{
	struct task_struct___mine *t = ctx; /* any pointer: only the offsets matter */
	int tgid = BPF_CORE_READ(t, tgid);
	struct sock_common___mine *sk = (void *)t;
	__u64 reuse = BPF_CORE_READ_BITFIELD_PROBED(sk, skc_reuse);
	return tgid + reuse;
}

char LICENSE[] SEC("license") = "GPL";
