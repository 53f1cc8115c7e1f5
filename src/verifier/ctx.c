/* ctx.c - per-program-type context layouts and helper permissions, as the kernel's
 * *_is_valid_access() and *_func_proto() functions define them (struct layouts from the
 * uapi: struct __sk_buff, xdp_md, pt_regs on x86-64, bpf_sock_ops, bpf_sock, ...).
 *
 * A context access is allowed when it is aligned to its size, lies inside one field the
 * program type may read (or write), and has a size the field allows: pointer fields
 * (data, data_end, data_meta, sk) must be loaded whole and give typed pointers; numeric
 * fields may be loaded narrower.
 */
#include "vrf.h"
#include "xbpf/progtype.h"

#define T(x) (1ull << XBPF_PROG_TYPE_##x)
#define TC (T(SCHED_CLS) | T(SCHED_ACT))
#define LWT (T(LWT_IN) | T(LWT_OUT) | T(LWT_XMIT) | T(LWT_SEG6LOCAL))
#define SKB_ALL (TC | LWT | T(SOCKET_FILTER) | T(CGROUP_SKB) | T(SK_SKB))
#define TRACING (T(KPROBE) | T(TRACEPOINT) | T(RAW_TRACEPOINT) | T(PERF_EVENT) | \
		 T(TRACING) | T(RAW_TRACEPOINT_WRITABLE))

struct field {
	int16_t off, size;       /* bytes [off, off+size) */
	uint8_t kind;            /* enum vrf_ctx_field */
	uint8_t exact;           /* required load size of each element (0: any) */
	uint64_t read, write;    /* program types (bit per type) */
};

/* struct __sk_buff */
static const struct field skb_fields[] = {
	{0, 4, CF_SCALAR, 0, SKB_ALL, 0},                     /* len */
	{4, 4, CF_SCALAR, 0, SKB_ALL, 0},                     /* pkt_type */
	{8, 4, CF_SCALAR, 0, SKB_ALL, TC | T(CGROUP_SKB) | LWT | T(SK_SKB)}, /* mark */
	{12, 4, CF_SCALAR, 0, SKB_ALL, TC},                   /* queue_mapping */
	{16, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* protocol */
	{20, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* vlan_present */
	{24, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* vlan_tci */
	{28, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* vlan_proto */
	{32, 4, CF_SCALAR, 0, SKB_ALL, TC | T(CGROUP_SKB) | LWT | T(SK_SKB)}, /* priority */
	{36, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* ingress_ifindex */
	{40, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* ifindex */
	{44, 4, CF_SCALAR, 0, SKB_ALL, TC | T(SK_SKB)},       /* tc_index */
	{48, 20, CF_SCALAR, 0, SKB_ALL, SKB_ALL},             /* cb[5] */
	{68, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* hash */
	{72, 4, CF_SCALAR, 0, TC, TC},                        /* tc_classid */
	{76, 4, CF_PKT, 1, SKB_ALL & ~T(SOCKET_FILTER), 0},   /* data */
	{80, 4, CF_PKT_END, 1, SKB_ALL & ~T(SOCKET_FILTER), 0}, /* data_end */
	{84, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* napi_id */
	{88, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* family */
	{92, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* remote_ip4 */
	{96, 4, CF_SCALAR, 0, SKB_ALL, 0},                    /* local_ip4 */
	{100, 16, CF_SCALAR, 0, SKB_ALL, 0},                  /* remote_ip6[4] */
	{116, 16, CF_SCALAR, 0, SKB_ALL, 0},                  /* local_ip6[4] */
	{132, 4, CF_SCALAR, 0, SKB_ALL, 0},                   /* remote_port */
	{136, 4, CF_SCALAR, 0, SKB_ALL, 0},                   /* local_port */
	{140, 4, CF_PKT_META, 1, TC, 0},                      /* data_meta */
	{152, 8, CF_SCALAR, 8, TC | T(CGROUP_SKB), TC},       /* tstamp */
	{160, 4, CF_SCALAR, 0, TC | T(CGROUP_SKB), 0},        /* wire_len */
	{164, 4, CF_SCALAR, 0, SKB_ALL, 0},                   /* gso_segs */
	{176, 4, CF_SCALAR, 0, SKB_ALL, 0},                   /* gso_size */
	{184, 8, CF_SCALAR, 8, TC | T(CGROUP_SKB), 0},        /* hwtstamp */
};

/* struct xdp_md */
static const struct field xdp_fields[] = {
	{0, 4, CF_PKT, 1, T(XDP), 0},
	{4, 4, CF_PKT_END, 1, T(XDP), 0},
	{8, 4, CF_PKT_META, 1, T(XDP), 0},
	/* ingress_ifindex, rx_queue_index: 4-byte loads only (__is_valid_xdp_access);
	 * egress_ifindex needs expected_attach_type BPF_XDP_DEVMAP, which xbpf_verify_opts
	 * cannot express: not readable */
	{12, 8, CF_SCALAR, 4, T(XDP), 0},
};

/* struct bpf_sock_ops */
static const struct field sockops_fields[] = {
	{0, 4, CF_SCALAR, 4, T(SOCK_OPS), 0},                  /* op */
	{4, 16, CF_SCALAR, 4, T(SOCK_OPS), T(SOCK_OPS)},        /* args / reply / replylong */
	{20, 144, CF_SCALAR, 4, T(SOCK_OPS), 0},                /* family .. sk_txhash (u32s) */
	{164, 4, CF_SCALAR, 4, T(SOCK_OPS), T(SOCK_OPS)},       /* sk_txhash */
	{168, 16, CF_SCALAR, 8, T(SOCK_OPS), 0},                /* bytes_received, bytes_acked */
	{192, 8, CF_PKT, 1, T(SOCK_OPS), 0},                    /* skb_data */
	{200, 8, CF_PKT_END, 1, T(SOCK_OPS), 0},                /* skb_data_end */
	{208, 8, CF_SCALAR, 4, T(SOCK_OPS), 0},                 /* skb_len, skb_tcp_flags */
	{216, 8, CF_SCALAR, 8, T(SOCK_OPS), 0},                 /* skb_hwtstamp */
};

/* struct bpf_sock (cgroup/sock) */
static const struct field sock_fields[] = {
	{0, 4, CF_SCALAR, 0, T(CGROUP_SOCK), T(CGROUP_SOCK)},   /* bound_dev_if */
	{4, 12, CF_SCALAR, 0, T(CGROUP_SOCK), 0},               /* family, type, protocol */
	{16, 8, CF_SCALAR, 0, T(CGROUP_SOCK), T(CGROUP_SOCK)},  /* mark, priority */
	{24, 56, CF_SCALAR, 0, T(CGROUP_SOCK), 0},              /* addresses, ports, state */
};

/* struct bpf_sock_addr */
static const struct field sockaddr_fields[] = {
	{0, 4, CF_SCALAR, 0, T(CGROUP_SOCK_ADDR), 0},
	{4, 24, CF_SCALAR, 0, T(CGROUP_SOCK_ADDR), T(CGROUP_SOCK_ADDR)}, /* user_ip4/6, port */
	{28, 12, CF_SCALAR, 0, T(CGROUP_SOCK_ADDR), 0},
	{40, 20, CF_SCALAR, 0, T(CGROUP_SOCK_ADDR), T(CGROUP_SOCK_ADDR)}, /* msg_src_ip4/6 */
};

/* struct bpf_cgroup_dev_ctx */
static const struct field dev_fields[] = {
	{0, 12, CF_SCALAR, 0, T(CGROUP_DEVICE), 0},
};

static int fields_access(const struct field *f, size_t n, uint32_t type, int32_t off,
			 unsigned size, bool write, enum vrf_ctx_field *kind)
{
	for (size_t i = 0; i < n; i++) {
		if (off < f[i].off || off + (int32_t)size > f[i].off + f[i].size)
			continue;
		if (!((write ? f[i].write : f[i].read) >> type & 1))
			return -EACCES;
		if (f[i].kind != CF_SCALAR && (size != (unsigned)f[i].size || off != f[i].off))
			return -EACCES;
		if (f[i].exact && f[i].kind == CF_SCALAR && size != f[i].exact)
			return -EACCES;
		if (write && size != 4 && f[i].size != 8)
			return -EACCES;
		*kind = (enum vrf_ctx_field)f[i].kind;
		return 0;
	}
	return -EACCES;
}

#define FIELDS(a) a, sizeof a / sizeof a[0]

int vrf_ctx_access(uint32_t type, int32_t off, unsigned size, bool write,
		   enum vrf_ctx_field *kind)
{
	if (off < 0 || off % (int32_t)size)
		return -EACCES;
	*kind = CF_SCALAR;
	switch (type) {
	case XBPF_PROG_TYPE_SOCKET_FILTER: case XBPF_PROG_TYPE_SCHED_CLS:
	case XBPF_PROG_TYPE_SCHED_ACT: case XBPF_PROG_TYPE_CGROUP_SKB: case XBPF_PROG_TYPE_LWT_IN:
	case XBPF_PROG_TYPE_LWT_OUT: case XBPF_PROG_TYPE_LWT_XMIT: case XBPF_PROG_TYPE_SK_SKB:
	case XBPF_PROG_TYPE_LWT_SEG6LOCAL:
		return fields_access(FIELDS(skb_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_XDP:
		return fields_access(FIELDS(xdp_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_SOCK_OPS:
		return fields_access(FIELDS(sockops_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_CGROUP_SOCK:
		return fields_access(FIELDS(sock_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return fields_access(FIELDS(sockaddr_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_CGROUP_DEVICE:
		return fields_access(FIELDS(dev_fields), type, off, size, write, kind);
	case XBPF_PROG_TYPE_KPROBE:         /* struct pt_regs (x86-64): 21 registers */
		return !write && off + (int32_t)size <= 168 ? 0 : -EACCES;
	case XBPF_PROG_TYPE_PERF_EVENT:     /* bpf_perf_event_data: regs, sample_period, addr */
		return !write && off + (int32_t)size <= 184 ? 0 : -EACCES;
	case XBPF_PROG_TYPE_TRACEPOINT:     /* the event record past the common header */
		return !write && off >= 8 && off + (int32_t)size <= 2048 ? 0 : -EACCES;
	case XBPF_PROG_TYPE_RAW_TRACEPOINT: case XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case XBPF_PROG_TYPE_TRACING:        /* u64 args[12] */
		return !write && off + (int32_t)size <= 96 ? 0 : -EACCES;
	case XBPF_PROG_TYPE_SYSCALL:        /* the caller's buffer (ctx_size_in), read/write */
		return off + (int32_t)size <= VRF_SYSCALL_CTX_MAX ? 0 : -EACCES;
	default:
		return -EACCES;
	}
}

uint32_t vrf_ctx_size(uint32_t type)
{
	switch (type) {
	case XBPF_PROG_TYPE_XDP: return 24;
	case XBPF_PROG_TYPE_KPROBE: return 168;
	case XBPF_PROG_TYPE_PERF_EVENT: return 184;
	case XBPF_PROG_TYPE_TRACEPOINT: return 2048;
	case XBPF_PROG_TYPE_RAW_TRACEPOINT: case XBPF_PROG_TYPE_TRACING: return 96;
	case XBPF_PROG_TYPE_SOCK_OPS: return 224;
	case XBPF_PROG_TYPE_SYSCALL: return VRF_SYSCALL_CTX_MAX;
	default: return 192;
	}
}

struct helper_perm {
	uint16_t id;
	uint64_t types;
};

/* Helpers that only some program types may call (all others: every type). */
static const struct helper_perm perms[] = {
	{4, TRACING}, {45, TRACING}, {112, TRACING}, {114, TRACING},  /* probe_read(_str/user) */
	{22, TRACING}, {27, TRACING}, {35, TRACING}, {55, TRACING}, {67, TRACING},
	{36, 0}, {58, 0},              /* probe_write_user, override_return: not in xbpf */
	{9, TC | LWT | T(SK_SKB)}, {10, TC | LWT}, {11, TC | LWT}, {13, TC | LWT},
	{17, TC | LWT}, {18, TC}, {19, TC}, {20, TC | LWT}, {21, TC | LWT}, {24, TC | LWT},
	{29, TC}, {30, TC}, {31, TC}, {32, TC}, {33, TC}, {34, TC | LWT},
	{38, TC | T(SK_SKB)}, {39, TC | LWT | T(SK_SKB)}, {40, TC | LWT}, {41, TC | LWT},
	{43, TC | T(SK_SKB)}, {48, TC}, {50, TC | T(SK_SKB)},
	{26, SKB_ALL | T(FLOW_DISSECTOR)}, {68, SKB_ALL},
	{44, T(XDP)}, {54, T(XDP)}, {65, T(XDP)}, {188, T(XDP)}, {189, T(XDP)}, {190, T(XDP)},
	{23, TC | T(XDP) | LWT}, {51, T(XDP)}, {69, TC | T(XDP)},
	{28, TC | T(XDP) | LWT},      /* csum_diff */
	{49, T(SOCK_OPS) | T(CGROUP_SOCK_ADDR)}, {57, T(SOCK_OPS) | T(CGROUP_SOCK_ADDR)},
	{59, T(SOCK_OPS)}, {53, T(SOCK_OPS)}, {70, T(SOCK_OPS)},
	{52, T(SK_SKB)}, {72, T(SK_SKB)},
	{60, T(SK_MSG)}, {61, T(SK_MSG)}, {62, T(SK_MSG)}, {63, T(SK_MSG)}, {71, T(SK_MSG)},
};

bool vrf_helper_allowed(uint32_t type, uint32_t id)
{
	if (type == 0 || type >= 64)
		return true; /* raw memory programs: the embedder decides */
	for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++)
		if (perms[i].id == id)
			return perms[i].types >> type & 1;
	return true;
}

/* The kernel's bpf_helper_changes_pkt_data(): helpers after which packet pointers are
 * invalid (tail_call too: a failed tail call may have run nothing, but the kernel treats
 * it the same way). */
bool vrf_helper_changes_pkt_data(uint32_t id)
{
	static const uint16_t ids[] = {
		9,   /* skb_store_bytes */     10,  /* l3_csum_replace */
		11,  /* l4_csum_replace */     12,  /* tail_call */
		13,  /* clone_redirect */      18,  /* skb_vlan_push */
		19,  /* skb_vlan_pop */        31,  /* skb_change_proto */
		38,  /* skb_change_tail */     39,  /* skb_pull_data */
		43,  /* skb_change_head */     44,  /* xdp_adjust_head */
		50,  /* skb_adjust_room */     54,  /* xdp_adjust_meta */
		63,  /* msg_pull_data */       65,  /* xdp_adjust_tail */
		73,  /* lwt_push_encap */      74,  /* lwt_seg6_store_bytes */
		75,  /* lwt_seg6_adjust_srh */ 76,  /* lwt_seg6_action */
		90,  /* msg_push_data */       91,  /* msg_pop_data */
		143, /* store_hdr_opt */
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (ids[i] == id)
			return true;
	return false;
}

bool vrf_pkt_writable(uint32_t type)
{
	return (T(XDP) | TC | T(LWT_XMIT) | T(SK_SKB) | T(LWT_SEG6LOCAL)) >> type & 1;
}

bool vrf_ldabs_allowed(uint32_t type)
{
	return (T(SOCKET_FILTER) | TC) >> type & 1;
}

const char *vrf_prog_type_name(uint32_t type)
{
	static const char *names[] = {
		"raw", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
		"perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit",
		"sock_ops", "sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint",
		"cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
		"flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt",
		"tracing", "struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter"};
	return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}
