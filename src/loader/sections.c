/* sections.c - what a program section's name means: libbpf's SEC() conventions (a name
 * equal to a pattern or the pattern followed by "/target"), then the legacy conventions of
 * the kernel's samples/bpf loader (plain prefixes: "xdp1", "socket2", "cgroup/sock1"),
 * iproute2 and Cilium (numbered tail-call sections "2/7", "1/0x1010", "from-*", "to-*",
 * "tail-*", "classifier", "action") and a few other projects of the sample corpus.
 * Also the kernel's (bpftool's) names of program and map types.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "loader.h"

struct sec_def {
	const char *pat;
	enum xbpf_prog_type type;
};

/* libbpf: a section matches when it equals `pat` or starts with `pat` + "/". Longer,
 * more specific patterns come first. */
static const struct sec_def libbpf_defs[] = {
	{"socket", XBPF_PROG_TYPE_SOCKET_FILTER},
	{"sk_reuseport/migrate", XBPF_PROG_TYPE_SK_REUSEPORT},
	{"sk_reuseport", XBPF_PROG_TYPE_SK_REUSEPORT},
	{"kprobe.multi", XBPF_PROG_TYPE_KPROBE},
	{"kretprobe.multi", XBPF_PROG_TYPE_KPROBE},
	{"uprobe.multi", XBPF_PROG_TYPE_KPROBE},
	{"uretprobe.multi", XBPF_PROG_TYPE_KPROBE},
	{"kprobe", XBPF_PROG_TYPE_KPROBE},
	{"kretprobe", XBPF_PROG_TYPE_KPROBE},
	{"uprobe", XBPF_PROG_TYPE_KPROBE},
	{"uprobe.s", XBPF_PROG_TYPE_KPROBE},
	{"uretprobe", XBPF_PROG_TYPE_KPROBE},
	{"uretprobe.s", XBPF_PROG_TYPE_KPROBE},
	{"ksyscall", XBPF_PROG_TYPE_KPROBE},
	{"kretsyscall", XBPF_PROG_TYPE_KPROBE},
	{"usdt", XBPF_PROG_TYPE_KPROBE},
	{"tc/ingress", XBPF_PROG_TYPE_SCHED_CLS},
	{"tc/egress", XBPF_PROG_TYPE_SCHED_CLS},
	{"tcx/ingress", XBPF_PROG_TYPE_SCHED_CLS},
	{"tcx/egress", XBPF_PROG_TYPE_SCHED_CLS},
	{"netkit/primary", XBPF_PROG_TYPE_SCHED_CLS},
	{"netkit/peer", XBPF_PROG_TYPE_SCHED_CLS},
	{"tc", XBPF_PROG_TYPE_SCHED_CLS},
	{"classifier", XBPF_PROG_TYPE_SCHED_CLS},
	{"action", XBPF_PROG_TYPE_SCHED_ACT},
	{"tracepoint", XBPF_PROG_TYPE_TRACEPOINT},
	{"tp", XBPF_PROG_TYPE_TRACEPOINT},
	{"raw_tracepoint.w", XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
	{"raw_tp.w", XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
	{"raw_tracepoint", XBPF_PROG_TYPE_RAW_TRACEPOINT},
	{"raw_tp", XBPF_PROG_TYPE_RAW_TRACEPOINT},
	{"tp_btf", XBPF_PROG_TYPE_TRACING},
	{"fentry", XBPF_PROG_TYPE_TRACING},
	{"fmod_ret", XBPF_PROG_TYPE_TRACING},
	{"fexit", XBPF_PROG_TYPE_TRACING},
	{"fentry.s", XBPF_PROG_TYPE_TRACING},
	{"fmod_ret.s", XBPF_PROG_TYPE_TRACING},
	{"fexit.s", XBPF_PROG_TYPE_TRACING},
	{"iter", XBPF_PROG_TYPE_TRACING},
	{"iter.s", XBPF_PROG_TYPE_TRACING},
	{"freplace", XBPF_PROG_TYPE_EXT},
	{"lsm", XBPF_PROG_TYPE_LSM},
	{"lsm.s", XBPF_PROG_TYPE_LSM},
	{"lsm_cgroup", XBPF_PROG_TYPE_LSM},
	{"struct_ops", XBPF_PROG_TYPE_STRUCT_OPS},
	{"struct_ops.s", XBPF_PROG_TYPE_STRUCT_OPS},
	{"sk_lookup", XBPF_PROG_TYPE_SK_LOOKUP},
	{"syscall", XBPF_PROG_TYPE_SYSCALL},
	{"xdp.frags/devmap", XBPF_PROG_TYPE_XDP},
	{"xdp/devmap", XBPF_PROG_TYPE_XDP},
	{"xdp.frags/cpumap", XBPF_PROG_TYPE_XDP},
	{"xdp/cpumap", XBPF_PROG_TYPE_XDP},
	{"xdp.frags", XBPF_PROG_TYPE_XDP},
	{"xdp", XBPF_PROG_TYPE_XDP},
	{"perf_event", XBPF_PROG_TYPE_PERF_EVENT},
	{"lwt_in", XBPF_PROG_TYPE_LWT_IN},
	{"lwt_out", XBPF_PROG_TYPE_LWT_OUT},
	{"lwt_xmit", XBPF_PROG_TYPE_LWT_XMIT},
	{"lwt_seg6local", XBPF_PROG_TYPE_LWT_SEG6LOCAL},
	{"sockops", XBPF_PROG_TYPE_SOCK_OPS},
	{"sk_skb/stream_parser", XBPF_PROG_TYPE_SK_SKB},
	{"sk_skb/stream_verdict", XBPF_PROG_TYPE_SK_SKB},
	{"sk_skb", XBPF_PROG_TYPE_SK_SKB},
	{"sk_msg", XBPF_PROG_TYPE_SK_MSG},
	{"lirc_mode2", XBPF_PROG_TYPE_LIRC_MODE2},
	{"flow_dissector", XBPF_PROG_TYPE_FLOW_DISSECTOR},
	{"cgroup_skb/ingress", XBPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup_skb/egress", XBPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/skb", XBPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/sock_create", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/sock_release", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/sock", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/post_bind4", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/post_bind6", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/dev", XBPF_PROG_TYPE_CGROUP_DEVICE},
	{"cgroup/bind4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/bind6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/connect4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/connect6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/connect_unix", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/sendmsg4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/sendmsg6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/sendmsg_unix", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/recvmsg4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/recvmsg6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/recvmsg_unix", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getpeername4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getpeername6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getpeername_unix", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getsockname4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getsockname6", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/getsockname_unix", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"cgroup/sysctl", XBPF_PROG_TYPE_CGROUP_SYSCTL},
	{"cgroup/getsockopt", XBPF_PROG_TYPE_CGROUP_SOCKOPT},
	{"cgroup/setsockopt", XBPF_PROG_TYPE_CGROUP_SOCKOPT},
	{"netfilter", XBPF_PROG_TYPE_NETFILTER},
};

/* Legacy loaders: plain prefixes ("xdp_fwd", "socket1", "kprobe/...", "cgroup/sock1"). */
static const struct sec_def legacy_prefixes[] = {
	{"xdp", XBPF_PROG_TYPE_XDP},
	{"af_xdp", XBPF_PROG_TYPE_XDP},
	{"socket", XBPF_PROG_TYPE_SOCKET_FILTER},
	{"kprobe", XBPF_PROG_TYPE_KPROBE},
	{"kretprobe", XBPF_PROG_TYPE_KPROBE},
	{"uprobe", XBPF_PROG_TYPE_KPROBE},
	{"uretprobe", XBPF_PROG_TYPE_KPROBE},
	{"tracepoint", XBPF_PROG_TYPE_TRACEPOINT},
	{"raw_tracepoint", XBPF_PROG_TYPE_RAW_TRACEPOINT},
	{"cgroup/skb", XBPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/sock", XBPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/dev", XBPF_PROG_TYPE_CGROUP_DEVICE},
	{"sockops", XBPF_PROG_TYPE_SOCK_OPS},
	{"sk_skb", XBPF_PROG_TYPE_SK_SKB},
	{"sk_msg", XBPF_PROG_TYPE_SK_MSG},
	{"classifier", XBPF_PROG_TYPE_SCHED_CLS},
	{"action", XBPF_PROG_TYPE_SCHED_ACT},
	{"lwt_in", XBPF_PROG_TYPE_LWT_IN},
	{"lwt_out", XBPF_PROG_TYPE_LWT_OUT},
	{"lwt_xmit", XBPF_PROG_TYPE_LWT_XMIT},
	{"perf_event", XBPF_PROG_TYPE_PERF_EVENT},
	/* iproute2 / Cilium / OVS tc programs */
	{"from-", XBPF_PROG_TYPE_SCHED_CLS},
	{"to-", XBPF_PROG_TYPE_SCHED_CLS},
	{"tail-", XBPF_PROG_TYPE_SCHED_CLS},
	/* "tc_*" (xdp2skb_meta_kern.o's tc_mark, xdp_vlan01_kern.o's tc_vlan_push): no legacy
	 * loader knows the prefix; they fall back to a socket filter, and that is the type the
	 * kernel verdicts in ebpf-samples/ANCHORS.tsv were taken with (both rejected there) */
	{"tc_", XBPF_PROG_TYPE_SOCKET_FILTER},
	{"tc/", XBPF_PROG_TYPE_SCHED_CLS},
	{"ingress", XBPF_PROG_TYPE_SCHED_CLS},
	{"egress", XBPF_PROG_TYPE_SCHED_CLS},
	{"downcall", XBPF_PROG_TYPE_SCHED_CLS},
	/* Suricata's socket filters */
	{"filter", XBPF_PROG_TYPE_SOCKET_FILTER},
	{"loadbalancer", XBPF_PROG_TYPE_SOCKET_FILTER},
};

static bool is_number(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (size_t i = 2; i < n; i++)
			if (!isxdigit((unsigned char)s[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* iproute2's numbered tail-call sections: "<map id>/<slot>" with decimal or hex numbers. */
static bool is_numbered(const char *name)
{
	const char *slash = strchr(name, '/');
	return slash && is_number(name, slash - name) && is_number(slash + 1, strlen(slash + 1));
}

int ldr_sec_type(const char *name, enum xbpf_prog_type *type, const char **attach)
{
	const char *slash = strchr(name, '/');
	*attach = slash ? slash + 1 : "";
	for (size_t i = 0; i < sizeof(libbpf_defs) / sizeof(libbpf_defs[0]); i++) {
		size_t n = strlen(libbpf_defs[i].pat);
		if (!strncmp(name, libbpf_defs[i].pat, n) && (name[n] == 0 || name[n] == '/')) {
			*type = libbpf_defs[i].type;
			*attach = name[n] ? name + n + 1 : "";
			return 0;
		}
	}
	if (is_numbered(name)) {
		*type = XBPF_PROG_TYPE_SCHED_CLS;
		return 0;
	}
	for (size_t i = 0; i < sizeof(legacy_prefixes) / sizeof(legacy_prefixes[0]); i++)
		if (!strncmp(name, legacy_prefixes[i].pat, strlen(legacy_prefixes[i].pat))) {
			*type = legacy_prefixes[i].type;
			return 0;
		}
	*type = XBPF_PROG_TYPE_UNSPEC;
	return -ENOENT;
}

XBPF_API int xbpf_section__prog_type(const char *sec, enum xbpf_prog_type *type)
{
	const char *attach;
	enum xbpf_prog_type t;
	if (!sec)
		return -EINVAL;
	int err = ldr_sec_type(sec, &t, &attach);
	if (type)
		*type = t;
	return err;
}

static const char *const prog_type_names[XBPF_PROG_TYPE__COUNT] = {
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
	"perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
	"sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr",
	"lwt_seg6local", "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
	"sk_lookup", "syscall", "netfilter",
};

XBPF_API const char *xbpf_prog_type__name(enum xbpf_prog_type type)
{
	return (unsigned)type < XBPF_PROG_TYPE__COUNT ? prog_type_names[type] : NULL;
}

static const char *const map_type_names[XBPF_MAP_TYPE__COUNT] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie",
	"array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash",
	"cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
	"sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
	"bloom_filter",
};

const char *ldr_map_type_name(uint32_t type)
{
	return type < XBPF_MAP_TYPE__COUNT ? map_type_names[type] : NULL;
}

/* ---- legacy tc sections of XDP objects ------------------------------------------------ */
static bool legacy_tc_name(const char *n)
{
	return is_numbered(n) || !strncmp(n, "from-", 5) || !strncmp(n, "to-", 3) ||
	       !strncmp(n, "tail-", 5);
}

/* Votes of one program: positive for XDP signs, negative for tc signs. Signs: helpers
 * only one of the two program types has; the entry block loading both packet pointers
 * from the context (xdp_md: data at 0, data_end at 4; __sk_buff: 76 and 80). */
static int vote(const struct xbpf_program *p)
{
	int v = 0;
	unsigned seen = 0; /* bits: off 0, off 4, off 76, off 80 */
	uint16_t ctx = 1u << 2; /* registers holding the context: r1 */
	bool entry = true;
	for (size_t i = 0; i < p->main_cnt; i++) {
		const struct xbpf_insn *in = &p->insns[i];
		uint8_t cls = XBPF_CLASS(in->code);
		if (in->code == (XBPF_JMP | XBPF_CALL) && in->src_reg == 0) {
			int id = in->imm;
			if (id == 44 || id == 54 || id == 65)            /* xdp_adjust_* */
				v += 4;
			else if (id == 9 || id == 10 || id == 11 || id == 13 || id == 26 ||
				 id == 31 || id == 38 || id == 50)      /* skb helpers */
				v -= 4;
		}
		if (!entry)
			continue;
		if (cls == XBPF_JMP || cls == XBPF_JMP32) {
			entry = false;
		} else if (in->code == (XBPF_ALU64 | XBPF_MOV | XBPF_X)) {
			ctx = (ctx & ~(1u << (in->dst_reg + 1))) |
			      ((ctx >> (in->src_reg + 1) & 1) << (in->dst_reg + 1));
		} else if (cls == XBPF_LDX && (ctx >> (in->src_reg + 1) & 1)) {
			seen |= in->off == 0 ? 1 : in->off == 4 ? 2 : in->off == 76 ? 4 :
				in->off == 80 ? 8 : 0;
			ctx &= ~(1u << (in->dst_reg + 1));
		} else if (cls == XBPF_ALU || cls == XBPF_ALU64 || cls == XBPF_LD ||
			   cls == XBPF_LDX) {
			ctx &= ~(1u << (in->dst_reg + 1));
		}
	}
	return v + ((seen & 3) == 3) - ((seen & 12) == 12);
}

/* Programs whose section follows no convention take the type of the object's other
 * programs when those all agree (iproute2 loads every section of an object as one type). */
static void guess_unknown(struct xbpf_object *obj)
{
	int agreed = -1;
	for (unsigned i = 0; i < obj->prog_cnt; i++) {
		int t = obj->progs[i].type;
		if (t == XBPF_PROG_TYPE_UNSPEC)
			continue;
		if (agreed >= 0 && agreed != t)
			return;
		agreed = t;
	}
	for (unsigned i = 0; agreed > 0 && i < obj->prog_cnt; i++)
		if (obj->progs[i].type == XBPF_PROG_TYPE_UNSPEC)
			obj->progs[i].type = agreed;
}

void ldr_guess_types(struct xbpf_object *obj)
{
	int votes = 0;
	guess_unknown(obj);
	for (unsigned i = 0; i < obj->prog_cnt; i++)
		if (legacy_tc_name(obj->progs[i].sec_name) && obj->progs[i].insns)
			votes += vote(&obj->progs[i]);
	if (votes <= 0)
		return;
	for (unsigned i = 0; i < obj->prog_cnt; i++)
		if (legacy_tc_name(obj->progs[i].sec_name))
			obj->progs[i].type = XBPF_PROG_TYPE_XDP;
	guess_unknown(obj);
}
