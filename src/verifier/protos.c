/* protos.c - the kernel's prototypes of common helpers (facts from the kernel's struct
 * bpf_func_proto definitions, written in xbpf's terms), for verifying objects against
 * helpers a VM has not registered. `xbpf verify` then judges a program as the kernel
 * would; loading it into a VM still needs the helper to exist there (the VM's own
 * prototype always wins over this table).
 */
#include "vrf.h"

#define ANY XBPF_ARG_ANYTHING
#define CTX XBPF_ARG_PTR_TO_CTX
#define MAP XBPF_ARG_CONST_MAP_PTR
#define KEY XBPF_ARG_PTR_TO_MAP_KEY
#define VAL XBPF_ARG_PTR_TO_MAP_VALUE
#define UVAL XBPF_ARG_PTR_TO_UNINIT_MAP_VALUE
#define MEM XBPF_ARG_PTR_TO_MEM
#define MEM0 XBPF_ARG_PTR_TO_MEM_OR_NULL
#define UMEM XBPF_ARG_PTR_TO_UNINIT_MEM
#define SZ XBPF_ARG_CONST_SIZE
#define SZ0 XBPF_ARG_CONST_SIZE_OR_ZERO
#define INT XBPF_RET_INTEGER

struct kproto {
	uint16_t id;
	const char *name;
	struct xbpf_helper_proto p;
};

#define K(id, name, ret, a1, a2, a3, a4, a5, fl) {id, name, {ret, {a1, a2, a3, a4, a5}, fl}}

static const struct kproto kprotos[] = {
	K(1, "map_lookup_elem", XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, MAP, KEY, 0, 0, 0, 0),
	K(2, "map_update_elem", INT, MAP, KEY, VAL, ANY, 0, 0),
	K(3, "map_delete_elem", INT, MAP, KEY, 0, 0, 0, 0),
	K(4, "probe_read", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(5, "ktime_get_ns", INT, 0, 0, 0, 0, 0, 0),
	K(6, "trace_printk", INT, MEM, SZ, 0, 0, 0, 0),
	K(7, "get_prandom_u32", INT, 0, 0, 0, 0, 0, 0),
	K(8, "get_smp_processor_id", INT, 0, 0, 0, 0, 0, 0),
	K(9, "skb_store_bytes", INT, CTX, ANY, MEM, SZ, ANY, 0),
	K(10, "l3_csum_replace", INT, CTX, ANY, ANY, ANY, ANY, 0),
	K(11, "l4_csum_replace", INT, CTX, ANY, ANY, ANY, ANY, 0),
	K(12, "tail_call", INT, CTX, MAP, ANY, 0, 0, XBPF_HELPER_F_NORETURN_ON_SUCCESS),
	K(13, "clone_redirect", INT, CTX, ANY, ANY, 0, 0, 0),
	K(14, "get_current_pid_tgid", INT, 0, 0, 0, 0, 0, 0),
	K(15, "get_current_uid_gid", INT, 0, 0, 0, 0, 0, 0),
	K(16, "get_current_comm", INT, UMEM, SZ, 0, 0, 0, 0),
	K(17, "get_cgroup_classid", INT, CTX, 0, 0, 0, 0, 0),
	K(18, "skb_vlan_push", INT, CTX, ANY, ANY, 0, 0, 0),
	K(19, "skb_vlan_pop", INT, CTX, 0, 0, 0, 0, 0),
	K(20, "skb_get_tunnel_key", INT, CTX, UMEM, SZ, ANY, 0, 0),
	K(21, "skb_set_tunnel_key", INT, CTX, MEM, SZ, ANY, 0, 0),
	K(22, "perf_event_read", INT, MAP, ANY, 0, 0, 0, 0),
	K(23, "redirect", INT, ANY, ANY, 0, 0, 0, 0),
	K(24, "get_route_realm", INT, CTX, 0, 0, 0, 0, 0),
	K(25, "perf_event_output", INT, CTX, MAP, ANY, MEM, SZ0, 0),
	K(26, "skb_load_bytes", INT, CTX, ANY, UMEM, SZ, 0, 0),
	K(27, "get_stackid", INT, CTX, MAP, ANY, 0, 0, 0),
	K(28, "csum_diff", INT, MEM0, SZ0, MEM0, SZ0, ANY, 0),
	K(29, "skb_get_tunnel_opt", INT, CTX, UMEM, SZ, 0, 0, 0),
	K(30, "skb_set_tunnel_opt", INT, CTX, MEM, SZ, 0, 0, 0),
	K(31, "skb_change_proto", INT, CTX, ANY, ANY, 0, 0, 0),
	K(32, "skb_change_type", INT, CTX, ANY, 0, 0, 0, 0),
	K(33, "skb_under_cgroup", INT, CTX, MAP, ANY, 0, 0, 0),
	K(34, "get_hash_recalc", INT, CTX, 0, 0, 0, 0, 0),
	K(35, "get_current_task", INT, 0, 0, 0, 0, 0, 0),
	K(37, "current_task_under_cgroup", INT, MAP, ANY, 0, 0, 0, 0),
	K(38, "skb_change_tail", INT, CTX, ANY, ANY, 0, 0, 0),
	K(39, "skb_pull_data", INT, CTX, ANY, 0, 0, 0, 0),
	K(40, "csum_update", INT, CTX, ANY, 0, 0, 0, 0),
	K(41, "set_hash_invalid", INT, CTX, 0, 0, 0, 0, 0),
	K(42, "get_numa_node_id", INT, 0, 0, 0, 0, 0, 0),
	K(43, "skb_change_head", INT, CTX, ANY, ANY, 0, 0, 0),
	K(44, "xdp_adjust_head", INT, CTX, ANY, 0, 0, 0, 0),
	K(45, "probe_read_str", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(46, "get_socket_cookie", INT, CTX, 0, 0, 0, 0, 0),
	K(47, "get_socket_uid", INT, CTX, 0, 0, 0, 0, 0),
	K(48, "set_hash", INT, CTX, ANY, 0, 0, 0, 0),
	K(49, "setsockopt", INT, CTX, ANY, ANY, MEM, SZ, 0),
	K(50, "skb_adjust_room", INT, CTX, ANY, ANY, ANY, 0, 0),
	K(51, "redirect_map", INT, MAP, ANY, ANY, 0, 0, 0),
	K(52, "sk_redirect_map", INT, CTX, MAP, ANY, ANY, 0, 0),
	K(53, "sock_map_update", INT, CTX, MAP, KEY, ANY, 0, 0),
	K(54, "xdp_adjust_meta", INT, CTX, ANY, 0, 0, 0, 0),
	K(55, "perf_event_read_value", INT, MAP, ANY, UMEM, SZ, 0, 0),
	K(56, "perf_prog_read_value", INT, CTX, UMEM, SZ, 0, 0, 0),
	K(57, "getsockopt", INT, CTX, ANY, ANY, UMEM, SZ, 0),
	K(59, "sock_ops_cb_flags_set", INT, CTX, ANY, 0, 0, 0, 0),
	K(60, "msg_redirect_map", INT, CTX, MAP, ANY, ANY, 0, 0),
	K(61, "msg_apply_bytes", INT, CTX, ANY, 0, 0, 0, 0),
	K(62, "msg_cork_bytes", INT, CTX, ANY, 0, 0, 0, 0),
	K(63, "msg_pull_data", INT, CTX, ANY, ANY, ANY, 0, 0),
	K(64, "bind", INT, CTX, MEM, SZ0, 0, 0, 0),
	K(65, "xdp_adjust_tail", INT, CTX, ANY, 0, 0, 0, 0),
	K(67, "get_stack", INT, CTX, UMEM, SZ0, ANY, 0, 0),
	K(68, "skb_load_bytes_relative", INT, CTX, ANY, UMEM, SZ, ANY, 0),
	K(69, "fib_lookup", INT, CTX, MEM, SZ, ANY, 0, 0),
	K(70, "sock_hash_update", INT, CTX, MAP, KEY, ANY, 0, 0),
	K(71, "msg_redirect_hash", INT, CTX, MAP, KEY, ANY, 0, 0),
	K(72, "sk_redirect_hash", INT, CTX, MAP, KEY, ANY, 0, 0),
	K(79, "skb_cgroup_id", INT, CTX, 0, 0, 0, 0, 0),
	K(80, "get_current_cgroup_id", INT, 0, 0, 0, 0, 0, 0),
	K(87, "map_push_elem", INT, MAP, VAL, ANY, 0, 0, 0),
	K(88, "map_pop_elem", INT, MAP, UVAL, 0, 0, 0, 0),
	K(89, "map_peek_elem", INT, MAP, UVAL, 0, 0, 0, 0),
	K(93, "spin_lock", XBPF_RET_VOID, XBPF_ARG_PTR_TO_SPIN_LOCK, 0, 0, 0, 0, 0),
	K(94, "spin_unlock", XBPF_RET_VOID, XBPF_ARG_PTR_TO_SPIN_LOCK, 0, 0, 0, 0, 0),
	K(112, "probe_read_user", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(113, "probe_read_kernel", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(114, "probe_read_user_str", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(115, "probe_read_kernel_str", INT, UMEM, SZ0, ANY, 0, 0, 0),
	K(118, "jiffies64", INT, 0, 0, 0, 0, 0, 0),
	K(125, "ktime_get_boot_ns", INT, 0, 0, 0, 0, 0, 0),
	K(130, "ringbuf_output", INT, MAP, MEM, SZ0, ANY, 0, 0),
	K(131, "ringbuf_reserve", XBPF_RET_PTR_TO_RINGBUF_MEM_OR_NULL, MAP,
	  XBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, ANY, 0, 0, XBPF_HELPER_F_ACQUIRES_REF),
	K(132, "ringbuf_submit", XBPF_RET_VOID, XBPF_ARG_PTR_TO_RINGBUF_MEM, ANY, 0, 0, 0,
	  XBPF_HELPER_F_RELEASES_ARG1),
	K(133, "ringbuf_discard", XBPF_RET_VOID, XBPF_ARG_PTR_TO_RINGBUF_MEM, ANY, 0, 0, 0,
	  XBPF_HELPER_F_RELEASES_ARG1),
	K(134, "ringbuf_query", INT, MAP, ANY, 0, 0, 0, 0),
	K(160, "ktime_get_coarse_ns", INT, 0, 0, 0, 0, 0, 0),
};

const struct xbpf_helper_proto *vrf_helper_proto(struct vrf_env *env, uint32_t id,
						 const char **name)
{
	if (env->vm) {
		const struct xbpf_helper_proto *p = xbpf_vm__helper_proto(env->vm, id);
		if (p) {
			if (name)
				*name = xbpf_vm__helper_name(env->vm, id);
			return p;
		}
	}
	for (size_t i = 0; i < sizeof kprotos / sizeof kprotos[0]; i++)
		if (kprotos[i].id == id) {
			if (name)
				*name = kprotos[i].name;
			return &kprotos[i].p;
		}
	return NULL;
}
