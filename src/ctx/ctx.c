/* ctx.c - xbpf_prog__test_run(): the BPF_PROG_TEST_RUN of xbpf. Picks the context kind
 * from the program type, builds the context (ctx_pkt.c for XDP and __sk_buff programs,
 * here for raw memory and tracing contexts), runs the program `repeat` times timing only
 * the run loop, and writes data_out / ctx_out the way the kernel's test_run does.
 *
 * Raw and tracing contexts:
 *   UNSPEC          r1 = a copy of data_in (else of ctx_in), r2 = its size;
 *   RAW_TRACEPOINT, TRACING  u64 args[12], the first ctx_size_in bytes from ctx_in;
 *   KPROBE          struct xbpf_pt_regs from ctx_in (shorter input: zero-filled);
 *   anything else   (TRACEPOINT, PERF_EVENT, SYSCALL, ...) a copy of ctx_in.
 * The context memory is exactly what the program may touch (plus its stack and maps).
 * The buffer behind it is at least the layout the verifier assumes for the type
 * (ctx_layout_size(), zero-filled past the input): a verified program runs without runtime
 * checks (XBPF_PROG_F_NO_CHECKS), so a short ctx_in must not leave it reading past the heap
 * block; checked runs still see only ctx_size bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctx.h"
#include "xbpf/progtype.h"

#define CTX_MAX_TRACE_ARGS 12 /* MAX_BPF_FUNC_ARGS */

static _Thread_local struct ctx_state *ctx_current;

void ctx_set_current(struct ctx_state *st) { ctx_current = st; }

struct ctx_state *ctx_of(struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = rc->hook_priv ? rc->hook_priv : ctx_current;
	if (!st || st->magic != CTX_MAGIC || st->ctx != rc->ctx)
		return NULL;
	return st;
}

int ctx_copy_out(void *dst, uint32_t cap, uint32_t *size_out, const void *src, uint32_t size)
{
	if (!dst)
		return 0;
	uint32_t n = size < cap ? size : cap;
	if (n)
		memcpy(dst, src, n);
	*size_out = size;
	return n < size ? -ENOSPC : 0;
}

int ctx_fail(struct xbpf_test_run_opts *o, int err, const char *fmt, ...)
{
	if (o->log_buf && o->log_size && !o->log_buf[0]) {
		size_t n = (size_t)snprintf(o->log_buf, o->log_size, "test_run: ");
		if (n >= o->log_size)
			return -err;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(o->log_buf + n, o->log_size - n, fmt, ap);
		va_end(ap);
	}
	return -err;
}

/* Write an error message into o->log_buf and return -err. */
static int ctx_err(struct xbpf_test_run_opts *o, int err, const char *fmt, ...)
{
	if (o->log_buf && o->log_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(o->log_buf, o->log_size, fmt, ap);
		va_end(ap);
	}
	return -err;
}

/* Copy min(size, max) bytes of `in` into a zeroed buffer of max bytes; the bytes past max
 * must be zero (bpf_check_uarg_tail_zero). */
static int copy_ctx_in(void *dst, size_t max, const void *in, size_t size)
{
	memset(dst, 0, max);
	if (!in)
		return 0;
	for (size_t i = max; i < size; i++)
		if (((const uint8_t *)in)[i])
			return -E2BIG;
	memcpy(dst, in, size < max ? size : max);
	return 0;
}

/* Bytes of context the verifier (src/verifier/ctx.c) lets a program of `type` read when
 * test_run takes that context from ctx_in; 0 for the other types. */
static size_t ctx_layout_size(uint32_t type)
{
	switch (type) {
	case XBPF_PROG_TYPE_TRACEPOINT: return 2048;  /* the event record */
	case XBPF_PROG_TYPE_PERF_EVENT: return 184;   /* struct bpf_perf_event_data */
	case XBPF_PROG_TYPE_KPROBE: return sizeof(struct xbpf_pt_regs);
	case XBPF_PROG_TYPE_RAW_TRACEPOINT: case XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case XBPF_PROG_TYPE_TRACING: return CTX_MAX_TRACE_ARGS * 8;
	default: return 0;
	}
}

int ctx_raw_setup(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	const void *in = o->data_in ? o->data_in : o->ctx_in;
	size_t size = o->data_in ? o->data_size_in : o->ctx_size_in, max = size;
	switch (st->prog_type) {
	case XBPF_PROG_TYPE_UNSPEC:
		break;
	case XBPF_PROG_TYPE_RAW_TRACEPOINT:
	case XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case XBPF_PROG_TYPE_TRACING:
		if (o->data_in || o->ctx_size_in > CTX_MAX_TRACE_ARGS * 8)
			return ctx_fail(o, EINVAL, "a raw tracepoint/tracing program takes no data_in "
					"and at most %d u64 arguments in ctx_in (got %u bytes)",
					CTX_MAX_TRACE_ARGS, o->ctx_size_in);
		max = CTX_MAX_TRACE_ARGS * 8;
		break;
	case XBPF_PROG_TYPE_KPROBE:
		if (o->data_in)
			return ctx_fail(o, EINVAL, "a kprobe takes its struct pt_regs in ctx_in, "
					"not data_in");
		max = size = sizeof(struct xbpf_pt_regs);
		in = o->ctx_in;
		break;
	default:
		if (o->data_in)
			return ctx_fail(o, EINVAL, "program type %u takes its context in ctx_in, "
					"not data_in", st->prog_type);
		break;
	}
	st->mem_size = max > ctx_layout_size(st->prog_type) ? max
							     : ctx_layout_size(st->prog_type);
	st->mem = calloc(1, st->mem_size ? st->mem_size : 1);
	if (!st->mem)
		return -ENOMEM;
	int err = copy_ctx_in(st->mem, max, in,
			      st->prog_type == XBPF_PROG_TYPE_KPROBE ? o->ctx_size_in : size);
	if (err)
		return ctx_fail(o, -err, "ctx_in has non-zero bytes past the %zu the context has",
				max);
	st->ctx = st->mem;
	/* raw tracepoint args: only the given ones are readable, as the kernel checks */
	st->ctx_size = st->prog_type == XBPF_PROG_TYPE_RAW_TRACEPOINT ||
		       st->prog_type == XBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE ||
		       st->prog_type == XBPF_PROG_TYPE_TRACING ? o->ctx_size_in : max;
	if (st->prog_type == XBPF_PROG_TYPE_KPROBE)
		st->func_ip = ((struct xbpf_pt_regs *)st->mem)->ip;
	return 0;
}

int ctx_raw_finish(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	int err = 0;
	if (st->prog_type == XBPF_PROG_TYPE_UNSPEC && o->data_in) {
		if (o->data_out)
			err = ctx_copy_out(o->data_out, o->data_size_out, &o->data_size_out, st->mem,
					   (uint32_t)st->mem_size);
		return err;
	}
	if (o->ctx_out)
		err = ctx_copy_out(o->ctx_out, o->ctx_size_out, &o->ctx_size_out, st->mem,
				   (uint32_t)st->ctx_size);
	return err;
}

void ctx_free(struct ctx_state *st)
{
	ctx_pkt_free(st);
	free(st->mem);
	st->mem = NULL;
	st->magic = 0;
}

static bool is_xdp(uint32_t t) { return t == XBPF_PROG_TYPE_XDP; }

static bool is_skb(uint32_t t)
{
	return t == XBPF_PROG_TYPE_SOCKET_FILTER || t == XBPF_PROG_TYPE_SCHED_CLS ||
	       t == XBPF_PROG_TYPE_SCHED_ACT || t == XBPF_PROG_TYPE_CGROUP_SKB ||
	       t == XBPF_PROG_TYPE_LWT_IN || t == XBPF_PROG_TYPE_LWT_OUT ||
	       t == XBPF_PROG_TYPE_LWT_XMIT;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The run loop: `repeat` runs on the same context (state carries over, as in the kernel).
 * Returns 0 or the first run's -errno. */
static int run_loop(struct xbpf_prog *prog, struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	struct xbpf_region reg = {st->buf, st->buf_size, true}; /* the whole packet buffer */
	struct xbpf_run_opts ro = {
		.sz = sizeof ro, .ctx = st->ctx, .ctx_size = st->ctx_size,
		.regions = st->buf ? &reg : NULL, .region_cnt = st->buf ? 1 : 0,
		.budget = o->budget, .engine = o->engine,
		.cpu = (o->flags & XBPF_F_TEST_RUN_ON_CPU) ? o->cpu : 0,
		.user = o->user, .log_buf = o->log_buf, .log_size = o->log_size,
	};
	uint32_t repeat = o->repeat ? o->repeat : 1;
	ctx_set_current(st);
	uint64_t t0 = now_ns();
	int err = 0;
	for (uint32_t i = 0; i < repeat && !err; i++) {
		if (st->is_skb) {   /* LD_ABS/LD_IND see the packet from data */
			ro.pkt = st->data;
			ro.pkt_size = (size_t)(st->data_end - st->data);
		}
		err = xbpf_prog__run(prog, &ro);
	}
	uint64_t t1 = now_ns();
	ctx_set_current(NULL);
	o->retval = ro.retval;
	o->duration = (t1 - t0) / repeat;
	return err;
}

/* Set up, run and finish on a complete copy of the caller's options. */
static int test_run(struct xbpf_prog *prog, struct xbpf_test_run_opts *o)
{
	if (o->log_buf && o->log_size)
		o->log_buf[0] = '\0';
	if ((o->flags & ~XBPF_F_TEST_RUN_ON_CPU) || (!(o->flags & XBPF_F_TEST_RUN_ON_CPU) && o->cpu))
		return ctx_err(o, EINVAL, "test_run: bad flags 0x%x / cpu %u", o->flags, o->cpu);
	if (o->cpu >= XBPF_MAX_CPUS)
		return ctx_err(o, EINVAL, "test_run: cpu %u out of range (max %d)", o->cpu,
			       XBPF_MAX_CPUS - 1);
	if ((o->data_size_in && !o->data_in) || (o->ctx_size_in && !o->ctx_in))
		return ctx_err(o, EINVAL, "test_run: a size without its buffer");
	struct ctx_state *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	st->magic = CTX_MAGIC;
	st->prog_type = prog->prog_type;
	st->is_xdp = is_xdp(st->prog_type);
	st->is_skb = is_skb(st->prog_type);
	int err = st->is_xdp ? ctx_xdp_setup(st, o)
		: st->is_skb ? ctx_skb_setup(st, o) : ctx_raw_setup(st, o);
	if (err) {
		if (!(o->log_buf && o->log_size && o->log_buf[0]))
			ctx_err(o, -err, "test_run: the %s input is not one the kernel accepts "
				"for program type %u", st->is_xdp ? "xdp" : st->is_skb ? "skb" :
				"context", st->prog_type);
		ctx_free(st);
		free(st);
		return err;
	}
	err = run_loop(prog, st, o);
	if (!err)
		err = st->is_xdp ? ctx_xdp_finish(st, o)
			: st->is_skb ? ctx_skb_finish(st, o) : ctx_raw_finish(st, o);
	ctx_free(st);
	free(st);
	return err;
}

int xbpf_prog__test_run(struct xbpf_prog *prog, struct xbpf_test_run_opts *opts)
{
	/* fields past opts->sz (an older caller's struct) read as zero */
	if (!prog || !opts || opts->sz < offsetof(struct xbpf_test_run_opts, engine))
		return -EINVAL;
	struct xbpf_test_run_opts o;
	size_t n = opts->sz < sizeof o ? opts->sz : sizeof o;
	memset(&o, 0, sizeof o);
	memcpy(&o, opts, n);
	int err = test_run(prog, &o);
	memcpy(opts, &o, n);
	return err;
}
