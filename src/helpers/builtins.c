/* builtins.c - the registry of xbpf's built-in helpers: kernel id, name, implementation
 * and prototype for each, registered into every new VM by hlp_register_builtins().
 *
 * The prototypes are the kernel's (struct bpf_func_proto of the same helper, Linux 6.x):
 * the verifier reads them, so argument kinds are exact (an ARG_PTR_TO_UNINIT_MEM is
 * followed by its ARG_CONST_SIZE, arguments the kernel leaves unchecked are DONTCARE).
 * Map helpers (lookup/update/ringbuf/tail_call...) live with the maps module and are added
 * by hlp_register_map_helpers().
 *
 * Also here: the shared argument checks (hlp_mem_ok, hlp_fail) and the public listing API.
 */
#include <stdarg.h>
#include <stdio.h>
#include "helpers.h"
#include "xbpf/helpers.h"
#include "../vm/vm_internal.h"

#define R_INT XBPF_RET_INTEGER
#define A_ANY XBPF_ARG_ANYTHING
#define A_CTX XBPF_ARG_PTR_TO_CTX
#define A_MEM XBPF_ARG_PTR_TO_MEM
#define A_MEM0 XBPF_ARG_PTR_TO_MEM_OR_NULL
#define A_UMEM XBPF_ARG_PTR_TO_UNINIT_MEM
#define A_SZ XBPF_ARG_CONST_SIZE
#define A_SZ0 XBPF_ARG_CONST_SIZE_OR_ZERO
#define A_STR XBPF_ARG_PTR_TO_CONST_STR
#define GPL XBPF_HELPER_F_GPL_ONLY

struct hlp_builtin {
	unsigned id;
	const char *name;
	xbpf_helper_fn fn;
	struct xbpf_helper_proto proto;
};

#define P(ret, a1, a2, a3, a4, a5, fl) {ret, {a1, a2, a3, a4, a5}, fl}
#define NOARGS(fl) P(R_INT, 0, 0, 0, 0, 0, fl)
/* probe_read*: (void *dst, u32 size, const void *unsafe_ptr), all GPL-only */
#define PROBE P(R_INT, A_UMEM, A_SZ0, A_ANY, 0, 0, GPL)

static const struct hlp_builtin builtins[] = {
	{4, "bpf_probe_read", hlp_probe_read, PROBE},
	{5, "bpf_ktime_get_ns", hlp_ktime_get_ns, NOARGS(0)},
	/* args 3-5 are not checked by the kernel either */
	{6, "bpf_trace_printk", hlp_trace_printk, P(R_INT, A_MEM, A_SZ, 0, 0, 0, GPL)},
	{7, "bpf_get_prandom_u32", hlp_get_prandom_u32, NOARGS(0)},
	{8, "bpf_get_smp_processor_id", hlp_get_smp_processor_id, NOARGS(0)},
	{9, "bpf_skb_store_bytes", hlp_skb_store_bytes,
	 P(R_INT, A_CTX, A_ANY, A_MEM, A_SZ, A_ANY, 0)},
	{10, "bpf_l3_csum_replace", hlp_l3_csum_replace,
	 P(R_INT, A_CTX, A_ANY, A_ANY, A_ANY, A_ANY, 0)},
	{11, "bpf_l4_csum_replace", hlp_l4_csum_replace,
	 P(R_INT, A_CTX, A_ANY, A_ANY, A_ANY, A_ANY, 0)},
	{14, "bpf_get_current_pid_tgid", hlp_get_current_pid_tgid, NOARGS(0)},
	{15, "bpf_get_current_uid_gid", hlp_get_current_uid_gid, NOARGS(0)},
	{16, "bpf_get_current_comm", hlp_get_current_comm, P(R_INT, A_UMEM, A_SZ, 0, 0, 0, 0)},
	{20, "bpf_skb_get_tunnel_key", hlp_skb_get_tunnel_key,
	 P(R_INT, A_CTX, A_UMEM, A_SZ, A_ANY, 0, 0)},
	{23, "bpf_redirect", hlp_redirect, P(R_INT, A_ANY, A_ANY, 0, 0, 0, 0)},
	{26, "bpf_skb_load_bytes", hlp_skb_load_bytes, P(R_INT, A_CTX, A_ANY, A_UMEM, A_SZ, 0, 0)},
	{28, "bpf_csum_diff", hlp_csum_diff, P(R_INT, A_MEM0, A_SZ0, A_MEM0, A_SZ0, A_ANY, 0)},
	{34, "bpf_get_hash_recalc", hlp_get_hash_recalc, P(R_INT, A_CTX, 0, 0, 0, 0, 0)},
	{38, "bpf_skb_change_tail", hlp_skb_change_tail, P(R_INT, A_CTX, A_ANY, A_ANY, 0, 0, 0)},
	{39, "bpf_skb_pull_data", hlp_skb_pull_data, P(R_INT, A_CTX, A_ANY, 0, 0, 0, 0)},
	{40, "bpf_csum_update", hlp_csum_update, P(R_INT, A_CTX, A_ANY, 0, 0, 0, 0)},
	{41, "bpf_set_hash_invalid", hlp_set_hash_invalid, P(R_INT, A_CTX, 0, 0, 0, 0, 0)},
	{42, "bpf_get_numa_node_id", hlp_get_numa_node_id, NOARGS(0)},
	{43, "bpf_skb_change_head", hlp_skb_change_head, P(R_INT, A_CTX, A_ANY, A_ANY, 0, 0, 0)},
	{44, "bpf_xdp_adjust_head", hlp_xdp_adjust_head, P(R_INT, A_CTX, A_ANY, 0, 0, 0, 0)},
	{45, "bpf_probe_read_str", hlp_probe_read_str, PROBE},
	{54, "bpf_xdp_adjust_meta", hlp_xdp_adjust_meta, P(R_INT, A_CTX, A_ANY, 0, 0, 0, 0)},
	{65, "bpf_xdp_adjust_tail", hlp_xdp_adjust_tail, P(R_INT, A_CTX, A_ANY, 0, 0, 0, 0)},
	{68, "bpf_skb_load_bytes_relative", hlp_skb_load_bytes_relative,
	 P(R_INT, A_CTX, A_ANY, A_UMEM, A_SZ, A_ANY, 0)},
	{105, "bpf_strtol", hlp_strtol,
	 P(R_INT, A_MEM, A_SZ, A_ANY, XBPF_ARG_PTR_TO_LONG, 0, 0)},
	{106, "bpf_strtoul", hlp_strtoul,
	 P(R_INT, A_MEM, A_SZ, A_ANY, XBPF_ARG_PTR_TO_LONG, 0, 0)},
	{112, "bpf_probe_read_user", hlp_probe_read_user, PROBE},
	{113, "bpf_probe_read_kernel", hlp_probe_read_kernel, PROBE},
	{114, "bpf_probe_read_user_str", hlp_probe_read_user_str, PROBE},
	{115, "bpf_probe_read_kernel_str", hlp_probe_read_kernel_str, PROBE},
	{118, "bpf_jiffies64", hlp_jiffies64, NOARGS(0)},
	{125, "bpf_ktime_get_boot_ns", hlp_ktime_get_boot_ns, NOARGS(0)},
	{152, "bpf_redirect_neigh", hlp_redirect_neigh, P(R_INT, A_ANY, A_MEM0, A_SZ0, A_ANY, 0, 0)},
	{155, "bpf_redirect_peer", hlp_redirect_peer, P(R_INT, A_ANY, A_ANY, 0, 0, 0, 0)},
	{160, "bpf_ktime_get_coarse_ns", hlp_ktime_get_coarse_ns, NOARGS(0)},
	{165, "bpf_snprintf", hlp_snprintf, P(R_INT, A_MEM0, A_SZ0, A_STR, A_MEM0, A_SZ0, 0)},
	{173, "bpf_get_func_ip", hlp_get_func_ip, P(R_INT, A_CTX, 0, 0, 0, 0, 0)},
	{177, "bpf_trace_vprintk", hlp_trace_vprintk, P(R_INT, A_MEM, A_SZ, A_MEM0, A_SZ0, 0, GPL)},
	{181, "bpf_loop", hlp_loop,
	 P(R_INT, A_ANY, XBPF_ARG_PTR_TO_FUNC, XBPF_ARG_PTR_TO_STACK_OR_NULL, A_ANY, 0, 0)},
	{182, "bpf_strncmp", hlp_strncmp, P(R_INT, A_MEM, A_SZ, A_STR, 0, 0, 0)},
	{188, "bpf_xdp_get_buff_len", hlp_xdp_get_buff_len, P(R_INT, A_CTX, 0, 0, 0, 0, 0)},
	{189, "bpf_xdp_load_bytes", hlp_xdp_load_bytes, P(R_INT, A_CTX, A_ANY, A_UMEM, A_SZ, 0, 0)},
	{190, "bpf_xdp_store_bytes", hlp_xdp_store_bytes, P(R_INT, A_CTX, A_ANY, A_MEM, A_SZ, 0, 0)},
};

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

void hlp_register_builtins(struct xbpf_vm *vm)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		const struct hlp_builtin *b = &builtins[i];
		xbpf_vm__register_helper(vm, b->id, b->name, b->fn, &b->proto);
	}
	hlp_register_map_helpers(vm); /* src/helpers/hlp_maps.c */
}

unsigned xbpf_builtin_helper_cnt(void) { return NBUILTINS; }

int xbpf_builtin_helper(unsigned i, unsigned *id, const char **name,
			const struct xbpf_helper_proto **proto)
{
	if (i >= NBUILTINS)
		return -ENOENT;
	if (id)
		*id = builtins[i].id;
	if (name)
		*name = builtins[i].name;
	if (proto)
		*proto = &builtins[i].proto;
	return 0;
}

void xbpf_vm__set_trace_sink(struct xbpf_vm *vm, xbpf_trace_fn fn, void *cookie)
{
	if (!vm)
		return;
	vm->trace_fn = fn;
	vm->trace_cookie = cookie;
}

void hlp_trace_emit(struct xbpf_run_ctx *rc, const char *msg, size_t len)
{
	struct xbpf_vm *vm = rc ? rc->vm : NULL;
	if (vm && vm->trace_fn) {
		vm->trace_fn(vm->trace_cookie, msg, len);
		return;
	}
	/* one line per message, as trace_pipe shows it */
	flockfile(stderr);
	fwrite(msg, 1, len, stderr);
	if (!len || msg[len - 1] != '\n')
		fputc('\n', stderr);
	funlockfile(stderr);
}

uint64_t hlp_fail(struct xbpf_run_ctx *rc, int err, const char *helper, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	vm_error(rc, err, "helper %s: %s", helper, msg);
	return HLP_ERR(err);
}

bool hlp_mem_ok(struct xbpf_run_ctx *rc, const char *helper, int argno, uint64_t addr,
		uint64_t size, bool write)
{
	if (!size || (rc->prog && (rc->prog->flags & XBPF_PROG_F_NO_CHECKS)))
		return true;
	if (size <= SIZE_MAX && vm_mem_ok(rc, addr, (size_t)size, write))
		return true;
	hlp_fail(rc, EFAULT, helper, "arg%d: %s of %llu bytes at 0x%llx is outside the program's "
		 "memory", argno, write ? "write" : "read", (unsigned long long)size,
		 (unsigned long long)addr);
	return false;
}
