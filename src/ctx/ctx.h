/* ctx.h - program contexts (src/ctx/): the state behind one xbpf_prog__test_run() that
 * context-aware helpers (xdp_adjust_head, skb_load_bytes, get_func_ip, ...) work on.
 *
 * Packet memory: the packet of an XDP or __sk_buff run lives in one buffer mapped below
 * 4 GiB (see ctx_pkt.c), so the u32 data/data_end/data_meta fields of the context ARE the
 * addresses; data_meta <= data <= data_end always lie inside [hard_start, buf_end).
 * Helpers change the packet through this state, never by trusting context fields the
 * program could have overwritten, and ctx_sync_*() then rewrites those fields.
 *
 * How helpers find the state: rc->hook_priv when the engine sets it, else the thread's
 * current test run (set around xbpf_prog__run); ctx_of() only answers when the state's
 * context is the run's context, so unrelated runs see NULL.
 *
 * Module prefix: ctx_ (hidden).
 */
#ifndef XBPF_CTX_H
#define XBPF_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/testrun.h"
#include "../vm/vm_internal.h"

#define CTX_HIDDEN __attribute__((visibility("hidden")))
#define CTX_MAGIC 0x78637478u /* "xtcx" */

#define CTX_XDP_HEADROOM 256u     /* XDP_PACKET_HEADROOM */
#define CTX_XDP_FRAME_SZ 4096u    /* the test run's frame: headroom + data + tailroom */
#define CTX_XDP_TAILROOM 320u     /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define CTX_XDP_FRAME_HDR 40u     /* sizeof(struct xdp_frame): adjust_head's lower limit */
#define CTX_XDP_META_MAX 255u     /* xdp_metalen_invalid(): u8 skb_shared_info.meta_len */
#define CTX_SKB_HEADROOM 64u      /* NET_SKB_PAD + NET_IP_ALIGN on x86-64 */
#define CTX_ETH_HLEN 14u
#define CTX_SKB_MAX_LEN 16064u    /* BPF_SKB_MAX_LEN: change_head/change_tail limit */
#define CTX_SKB_BUF 65536u        /* skb buffer: room for the largest head and tail growth */
#define CTX_SKB_DATA_OFF 20480u   /* where an skb's data starts in its buffer */

struct ctx_state {
	uint32_t magic;
	uint32_t prog_type;
	void *ctx;                 /* what r1 points to */
	size_t ctx_size;
	/* packet programs */
	bool is_xdp, is_skb;
	bool is_l2;                /* skb: data starts at the MAC header (tc) */
	uint8_t *buf;              /* mapping below 4 GiB */
	size_t buf_size;
	uint8_t *hard_start;       /* start of headroom */
	uint8_t *hard_end;         /* xdp: data_end may not pass it; skb: buffer end */
	uint8_t *data_meta, *data, *data_end;
	uint8_t *nh;               /* skb: network header (skb_change_head keeps it) */
	uint8_t *mac;              /* skb: MAC header (skb_change_head resets it to data) */
	bool has_ctx;              /* ctx_in or ctx_out given (the kernel then builds one) */
	struct xbpf_xdp_md md;     /* xdp: the context the program sees */
	struct xbpf_xdp_md md_io;  /* xdp: the caller's context; ctx_out starts from it */
	struct xbpf_sk_buff skb;   /* skb: the context the program sees */
	struct xbpf_sk_buff skb_io;/* skb: the caller's context (validated) */
	uint32_t wire_len;         /* skb: qdisc cb pkt_len */
	uint32_t dev_ifindex;      /* skb: the device (1 = loopback) */
	/* raw memory and tracing contexts: malloc'ed copy */
	uint8_t *mem;
	size_t mem_size;
	/* tracing */
	uint64_t func_ip;
};

/* The run's context state (see above), or NULL. */
CTX_HIDDEN struct ctx_state *ctx_of(struct xbpf_run_ctx *rc);
/* Publish st as the calling thread's current run (NULL clears). */
CTX_HIDDEN void ctx_set_current(struct ctx_state *st);

/* Rewrite the packet fields of the context (xdp_md or __sk_buff) from st. */
CTX_HIDDEN void ctx_sync(struct ctx_state *st);

/* Packet buffer management (ctx_pkt.c). Map a buffer of `size` bytes below 4 GiB:
 * 0 or -ENOMEM. An skb buffer is mapped once at its largest (CTX_SKB_BUF) so helpers
 * that grow the packet never move it. */
CTX_HIDDEN int ctx_pkt_alloc(struct ctx_state *st, size_t size);
CTX_HIDDEN void ctx_pkt_free(struct ctx_state *st);

/* Per context kind (ctx_xdp.c, ctx_skb.c, ctx_trace.c): build the context from opts,
 * and after the runs write data_out/ctx_out. Return 0 or -errno. */
CTX_HIDDEN int ctx_xdp_setup(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN int ctx_xdp_finish(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN int ctx_skb_setup(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN int ctx_skb_finish(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN int ctx_raw_setup(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN int ctx_raw_finish(struct ctx_state *st, struct xbpf_test_run_opts *o);
CTX_HIDDEN void ctx_free(struct ctx_state *st);

/* Put "test_run: <message>" in o->log_buf (unless a message is there) and return -err. */
CTX_HIDDEN int ctx_fail(struct xbpf_test_run_opts *o, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy `size` bytes of output into opts' buffer as bpf_test_finish does: truncated copy
 * and -ENOSPC when the buffer is too small; the full size is reported either way. */
CTX_HIDDEN int ctx_copy_out(void *dst, uint32_t cap, uint32_t *size_out, const void *src,
			    uint32_t size);

#endif /* XBPF_CTX_H */
