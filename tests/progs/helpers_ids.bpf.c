/* helpers_ids.bpf.c - process/CPU identity and random helpers (property-checked against
 * the calling thread: the kernel's test run executes in it, as xbpf does). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "progs.h"

struct ids_result res;

SEC("raw_tp/sys_enter")
int ids_prog(void *ctx)
{
	res.pid_tgid = bpf_get_current_pid_tgid();
	res.uid_gid = bpf_get_current_uid_gid();
	res.cpu = bpf_get_smp_processor_id();
	res.numa = bpf_get_numa_node_id();
	for (int i = 0; i < 8; i++)
		res.rnd[i] = bpf_get_prandom_u32();
	res.comm_ret = bpf_get_current_comm(res.comm, sizeof res.comm);
	bpf_get_current_comm(res.comm_short, sizeof res.comm_short);
	return 0;
}

char _license[] SEC("license") = "GPL";
