/* xbpf/testrun.h - running a program in its context, as BPF_PROG_TEST_RUN does.
 *
 * xbpf_prog__test_run() builds the context the program's type expects (prog type from the
 * loader's section, or xbpf_prog_load_opts.prog_type) from data_in / ctx_in, runs the
 * program `repeat` times and hands back r0, the output packet, the output context and the
 * average duration. Inputs and outputs follow the kernel's test_run of the same type:
 *
 *   XDP            data_in = packet (>= 14 bytes, <= 3520); ctx_in = struct xbpf_xdp_md
 *                  with data = metadata length (the first bytes of data_in), data_end =
 *                  data_size_in, data_meta = 0, egress_ifindex = 0 (metadata: 4-aligned,
 *                  <= 255 bytes). 256 bytes of headroom, as the kernel's.
 *                  data_out = the packet from data_meta to data_end after the runs.
 *   SOCKET_FILTER, CGROUP_SKB (L3) and SCHED_CLS, SCHED_ACT (L2): struct xbpf_sk_buff;
 *                  data_in = Ethernet frame (14 to 3712 bytes). ctx_in may set only mark,
 *                  priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs,
 *                  gso_size, hwtstamp (others must be 0, else -EINVAL). L3 programs see the
 *                  packet from the network header; data_out then has the 14-byte MAC
 *                  header zeroed, like the kernel's.
 *   UNSPEC         raw memory: r1 = copy of data_in, r2 = data_size_in; data_out = it after.
 *   RAW_TRACEPOINT, TRACING: ctx_in = u64 args[] (<= 12).
 *   TRACEPOINT, PERF_EVENT, SYSCALL, others: ctx_in is the raw context (r1); ctx_out gets
 *                  it back after the run.
 *   KPROBE         ctx_in = struct xbpf_pt_regs (x86-64 layout); get_func_ip gives its ip.
 */
#ifndef XBPF_TESTRUN_H
#define XBPF_TESTRUN_H

#include <stddef.h>
#include <stdint.h>
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* flags (the kernel's BPF_F_TEST_RUN_ON_CPU): run on worker slot `cpu` */
#define XBPF_F_TEST_RUN_ON_CPU (1u << 0)

struct xbpf_test_run_opts {
	size_t sz;
	const void *data_in;
	uint32_t data_size_in;
	void *data_out;          /* may be NULL */
	uint32_t data_size_out;  /* in: capacity of data_out; out: size of the output */
	const void *ctx_in;      /* may be NULL: a zero context */
	uint32_t ctx_size_in;
	void *ctx_out;           /* may be NULL */
	uint32_t ctx_size_out;   /* in: capacity of ctx_out; out: size of the context */
	uint64_t retval;         /* out: r0 (the kernel reports its low 32 bits) */
	uint32_t repeat;         /* runs (0 = 1) */
	uint64_t duration;       /* out: average ns per run, timed around the run loop */
	uint32_t flags;          /* XBPF_F_TEST_RUN_* */
	uint32_t cpu;            /* worker slot with XBPF_F_TEST_RUN_ON_CPU */
	/* xbpf extensions */
	enum xbpf_engine engine; /* DEFAULT: the program's */
	uint64_t budget;         /* instruction budget per run (0: none) */
	char *log_buf;           /* runtime or context error, one line */
	size_t log_size;
	void *user;              /* xbpf_run_ctx__user() for embedder helpers */
};

/* Run prog on the context built from opts. Returns 0 (even if the program returned an
 * error code: see retval), -EINVAL for inputs the kernel would refuse (reason in log_buf),
 * -ENOSPC when data_out/ctx_out was too small (copied truncated, sizes report the full
 * size), or the run's -errno (-EFAULT runtime memory check, -ETIME budget ...). */
XBPF_API int xbpf_prog__test_run(struct xbpf_prog *prog, struct xbpf_test_run_opts *opts);

/* ---- context layouts (identical to the kernel's uapi structs) ---------------------- */
struct xbpf_xdp_md {           /* struct xdp_md */
	uint32_t data;
	uint32_t data_end;
	uint32_t data_meta;
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex;
};

struct xbpf_sk_buff {          /* struct __sk_buff: 192 bytes */
	uint32_t len;
	uint32_t pkt_type;
	uint32_t mark;
	uint32_t queue_mapping;
	uint32_t protocol;         /* network byte order (be16 in a u32) */
	uint32_t vlan_present;
	uint32_t vlan_tci;
	uint32_t vlan_proto;
	uint32_t priority;
	uint32_t ingress_ifindex;
	uint32_t ifindex;
	uint32_t tc_index;
	uint32_t cb[5];
	uint32_t hash;
	uint32_t tc_classid;
	uint32_t data;
	uint32_t data_end;
	uint32_t napi_id;
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t data_meta;
	uint64_t flow_keys;        /* pointer in the kernel */
	uint64_t tstamp;
	uint32_t wire_len;
	uint32_t gso_segs;
	uint64_t sk;               /* pointer in the kernel */
	uint32_t gso_size;
	uint8_t tstamp_type;
	uint8_t pad_[3];
	uint64_t hwtstamp;
};

struct xbpf_pt_regs {          /* x86-64 struct pt_regs */
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

#ifdef __cplusplus
}
#endif
#endif /* XBPF_TESTRUN_H */
