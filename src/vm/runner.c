/* runner.c - prepared runs (include/xbpf/runner.h): a run context and a stack set up once
 * per program and thread, reused by every run; the fast path calls the JIT's entry point
 * directly.
 *
 * What a run may change in the run context, and how the runner puts it back:
 *  - ctx/pkt and the ctx region, budget, the regions helpers added (region_cnt and
 *    region_next), the stack (unverified programs): runner_prepare() sets them before a
 *    run whenever one differs from what the run needs (another ctx, a budget to refill,
 *    helper-added regions, a stack to clear); otherwise the run skips it (the fast path:
 *    a few compares, then the JIT's entry);
 *  - err, tail_target, tail_calls, depth, prog: only a run that failed or tail-called
 *    touches them, so they are restored after such a run (runner_slow), never on the
 *    fast path;
 *  - jit_sp is written by the JIT entry itself; jit_nest and depth are balanced by every
 *    run that ends normally.
 * The stack is zeroed when the runner is created; see runner.h for when runs clear it.
 *
 * Also here: the per-thread runner behind xbpf_prog__run() (vm_run_cached) and the timed
 * loop of xbpf_runner__run_repeat().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "vm_internal.h"
#include "xbpf/runner.h"

#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, dflt) (OPTS_HAS(opts, field) ? (opts)->field : (dflt))

typedef uint64_t (*runner_entry_fn)(uint64_t r1, uint64_t r2, struct xbpf_run_ctx *rc);

struct xbpf_runner {
	struct xbpf_run_ctx rc;
	struct xbpf_prog *prog;       /* a reference, except in the per-thread cache */
	uint64_t serial;              /* prog->serial */
	runner_entry_fn entry;        /* JIT entry point; NULL: run through vm_run_engine */
	enum xbpf_engine engine;
	uint64_t budget;              /* rc.budget at the start of every run */
	unsigned ctx_region;          /* index of the ctx region in rc.regions */
	unsigned region_fixed;        /* rc.region_cnt at the start of every run */
	size_t clear;                 /* bytes of stack zeroed before every run */
	bool own_pkt;                 /* LD_ABS reads a packet of its own, not the ctx */
	/* what the per-thread cache was set up with (vm_run_cached compares them) */
	unsigned creg_cnt;
	struct xbpf_region creg[VM_MAX_USER_REGIONS];
	const void *cpkt;
	size_t cpkt_size;
	bool slow;                    /* every run takes runner_prepare() (clear, budget) */
	_Alignas(64) uint8_t stack[XBPF_MAX_FRAMES * XBPF_STACK_SIZE];
};

/* Runners live in their own pages between two inaccessible 64 KiB gaps, away from the
 * heap and other mappings: with runtime checks the stack is a region, and a checked
 * program's pointer that strays past its ctx or a map value must not happen to land in
 * it (it lands in a gap, which no region covers, and faults as it would under
 * xbpf_prog__run). Zeroed by the kernel. */
#define RUNNER_GAP (64u << 10)
#define RUNNER_MAP ((sizeof(struct xbpf_runner) + 4095) & ~(size_t)4095)

static struct xbpf_runner *runner_alloc(void)
{
	uint8_t *p = mmap(NULL, RUNNER_MAP + 2 * RUNNER_GAP, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + RUNNER_GAP, RUNNER_MAP, PROT_READ | PROT_WRITE)) {
		munmap(p, RUNNER_MAP + 2 * RUNNER_GAP);
		return NULL;
	}
	return (struct xbpf_runner *)(void *)(p + RUNNER_GAP);
}

static void runner_release(struct xbpf_runner *r)
{
	if (r)
		munmap((uint8_t *)r - RUNNER_GAP, RUNNER_MAP + 2 * RUNNER_GAP);
}

static size_t clear_bytes(const struct xbpf_prog *p)
{
	return vm_prog_clears_stack(p) ? XBPF_MAX_FRAMES * XBPF_STACK_SIZE : 0;
}

/* Build the run context once, through the same setup as xbpf_prog__run(), plus one slot
 * for the ctx memory of each run (empty until the first run). */
static int runner_setup(struct xbpf_runner *r, const struct xbpf_run_opts *ro)
{
	int err = vm_run_setup(&r->rc, r->prog, ro, r->stack);
	if (err)
		return err;
	r->own_pkt = ro->pkt != NULL;
	struct xbpf_run_ctx *rc = &r->rc;
	if (rc->region_cnt >= VM_MAX_REGIONS - VM_MIN_DYN_REGIONS + 1)
		return -EINVAL;
	r->ctx_region = rc->region_cnt;
	rc->regions[rc->region_cnt++] = (struct xbpf_region){NULL, 0, true};
	rc->region_fixed = rc->region_next = rc->region_cnt;
	r->region_fixed = rc->region_cnt;
	r->budget = rc->budget;
	return 0;
}

/* Is `engine` (DEFAULT resolved) one this program can run on? */
static bool engine_ok(const struct xbpf_prog *prog, enum xbpf_engine engine)
{
	return engine >= XBPF_ENGINE_INTERP && engine <= XBPF_ENGINE_JIT &&
	       (engine != XBPF_ENGINE_JIT || prog->jit_entry);
}

/* Set up r (its memory zeroed here: a fresh stack) for prog; 0 or -errno. */
static int runner_init(struct xbpf_runner *r, struct xbpf_prog *prog, enum xbpf_engine engine,
		       const struct xbpf_run_opts *opts)
{
	memset(r, 0, sizeof *r);
	r->prog = prog;
	r->serial = prog->serial;
	r->engine = engine;
	r->clear = clear_bytes(prog);
	int err = runner_setup(r, opts);
	if (err)
		return err;
	r->rc.engine = engine;
	if (engine == XBPF_ENGINE_JIT)
		r->entry = prog->jit_entry;
	r->slow = r->clear || r->budget != UINT64_MAX || !r->entry;
	return 0;
}

struct xbpf_runner *xbpf_runner__new(struct xbpf_prog *prog, const struct xbpf_runner_opts *opts)
{
	if (!prog || (opts && opts->sz < sizeof(size_t))) {
		errno = EINVAL;
		return NULL;
	}
	enum xbpf_engine engine = OPTS_GET(opts, engine, XBPF_ENGINE_DEFAULT);
	if (engine == XBPF_ENGINE_DEFAULT)
		engine = prog->engine;
	if (!engine_ok(prog, engine)) {
		errno = EINVAL;
		return NULL;
	}
	struct xbpf_runner *r = runner_alloc();
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	struct xbpf_run_opts ro = {
		.sz = sizeof ro,
		.regions = OPTS_GET(opts, regions, NULL),
		.region_cnt = OPTS_GET(opts, region_cnt, 0),
		.budget = OPTS_GET(opts, budget, 0), .cpu = OPTS_GET(opts, cpu, 0),
		.user = OPTS_GET(opts, user, NULL), .log_buf = OPTS_GET(opts, log_buf, NULL),
		.log_size = OPTS_GET(opts, log_size, 0),
	};
	int err = runner_init(r, prog, engine, &ro);
	if (err) {
		runner_release(r);
		errno = -err;
		return NULL;
	}
	vm_prog_get(prog);
	return r;
}

void xbpf_runner__free(struct xbpf_runner *r)
{
	if (!r)
		return;
	vm_prog_put(r->prog);
	runner_release(r);
}

struct xbpf_prog *xbpf_runner__prog(const struct xbpf_runner *r)
{
	return r ? r->prog : NULL;
}

/* After a run that failed or tail-called: put back what only such runs change. */
static void runner_restore(struct xbpf_runner *r)
{
	struct xbpf_run_ctx *rc = &r->rc;
	rc->prog = r->prog;
	rc->err = 0;
	rc->tail_target = NULL;
	rc->tail_calls = 0;
	rc->depth = 0;
	rc->jit_nest = 0;
}

/* The slow path: tail calls, errors, the interpreter. */
static int __attribute__((noinline)) runner_slow(struct xbpf_runner *r, uint64_t r0,
						 uint64_t *retval)
{
	struct xbpf_run_ctx *rc = &r->rc;
	int err;
	if (r->entry) {
		if (rc->err) {
			err = -rc->err;
			goto out;
		}
		/* a tail call was requested: continue on the engine's loop */
		rc->prog = rc->tail_target;
		rc->tail_target = NULL;
	}
	err = vm_run_engine(rc, r->engine, (uint64_t)(uintptr_t)rc->ctx, rc->ctx_size, &r0);
out:
	if (!err && retval)
		*retval = r0;
	runner_restore(r);
	return err;
}

/* Everything a run may need set up beyond the fast path's checks. */
static void __attribute__((noinline)) runner_prepare(struct xbpf_runner *r, void *ctx,
						     size_t ctx_size)
{
	struct xbpf_run_ctx *rc = &r->rc;
	if (r->clear)
		memset(r->stack, 0, r->clear);
	rc->ctx = ctx;
	rc->ctx_size = ctx_size;
	if (!r->own_pkt) {
		rc->pkt = ctx;
		rc->pkt_size = ctx_size;
	}
	rc->regions[r->ctx_region] = (struct xbpf_region){ctx, ctx ? ctx_size : 0, true};
	rc->region_cnt = rc->region_next = r->region_fixed;
	rc->budget = r->budget;
}

/* A run that is not the fast path's: prepare, run, handle tail calls and errors. */
static int __attribute__((noinline)) runner_run_full(struct xbpf_runner *r, void *ctx,
						     size_t ctx_size, uint64_t *retval)
{
	runner_prepare(r, ctx, ctx_size);
	if (!r->entry)
		return runner_slow(r, 0, retval);
	uint64_t r0 = r->entry((uint64_t)(uintptr_t)ctx, ctx_size, &r->rc);
	if (likely(!r->rc.tail_target && !r->rc.err)) {
		if (retval)
			*retval = r0;
		return 0;
	}
	return runner_slow(r, r0, retval);
}

/* Can this run skip runner_prepare()? The same ctx as the last run, which left nothing to
 * reset (no helper-added regions, no budget to refill, no stack to clear), on the JIT. */
static inline bool runner_fast(const struct xbpf_runner *r, const void *ctx, size_t ctx_size)
{
	return !r->slow && ctx == r->rc.ctx && ctx_size == r->rc.ctx_size &&
	       r->rc.region_cnt == r->region_fixed;
}

int xbpf_runner__run(struct xbpf_runner *r, void *ctx, size_t ctx_size, uint64_t *retval)
{
	if (unlikely(!runner_fast(r, ctx, ctx_size)))
		return runner_run_full(r, ctx, ctx_size, retval);
	/* only r and retval live across the call: few registers to save */
	uint64_t r0 = r->entry((uint64_t)(uintptr_t)ctx, ctx_size, &r->rc);
	if (unlikely((uintptr_t)r->rc.tail_target | (unsigned)r->rc.err))
		return runner_slow(r, r0, retval);
	if (retval)
		*retval = r0;
	return 0;
}

/* ---- the per-thread cache behind xbpf_prog__run() ------------------------------------ */

/* One runner per thread, for the program it ran last. It holds no reference (a program
 * must stay freeable): it is used only while its program is the one being run, which the
 * serial tells apart from a later program at the same address. busy: a run on it is in
 * progress on this thread (a helper running a program nests: that one takes the full
 * path). The runner is freed when its thread exits. */
#define TLS_IE __attribute__((tls_model("initial-exec"))) /* no __tls_get_addr call */
static __thread TLS_IE struct xbpf_runner *tl_runner;
static __thread TLS_IE bool tl_busy;
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static bool tl_key_ok;

static void tl_destroy(void *p) { runner_release(p); }
static void tl_key_init(void) { tl_key_ok = !pthread_key_create(&tl_key, tl_destroy); }

/* Does the cached runner r serve a run of prog on engine with opts o? (Regions are
 * compared field by field: their padding need not match.) */
static bool tl_match(const struct xbpf_runner *r, const struct xbpf_prog *prog,
		     enum xbpf_engine engine, const struct xbpf_run_opts *o, unsigned nreg)
{
	if (!r || r->prog != prog || r->serial != prog->serial || r->engine != engine ||
	    r->creg_cnt != nreg || r->cpkt != o->pkt || r->cpkt_size != (o->pkt ? o->pkt_size : 0))
		return false;
	for (unsigned i = 0; i < nreg; i++)
		if (r->creg[i].base != o->regions[i].base || r->creg[i].size != o->regions[i].size ||
		    r->creg[i].writable != o->regions[i].writable)
			return false;
	return true;
}

static struct xbpf_runner *tl_get(struct xbpf_prog *prog, enum xbpf_engine engine,
				  const struct xbpf_run_opts *o, unsigned nreg)
{
	struct xbpf_runner *r = tl_runner;
	if (tl_match(r, prog, engine, o, nreg))
		return r;
	if (!engine_ok(prog, engine))
		return NULL;
	if (!r) {
		pthread_once(&tl_once, tl_key_init);
		if (!tl_key_ok || !(r = runner_alloc()))
			return NULL;
		if (pthread_setspecific(tl_key, r)) {
			runner_release(r);
			return NULL;
		}
		tl_runner = r;
	}
	struct xbpf_run_opts ro = {.sz = sizeof ro, .regions = o->regions, .region_cnt = nreg,
				   .pkt = o->pkt, .pkt_size = o->pkt ? o->pkt_size : 0};
	if (runner_init(r, prog, engine, &ro)) {
		r->prog = NULL;
		return NULL;
	}
	r->creg_cnt = nreg;
	if (nreg)
		memcpy(r->creg, o->regions, nreg * sizeof *o->regions);
	r->cpkt = ro.pkt;
	r->cpkt_size = ro.pkt_size;
	return r;
}

int vm_run_cached(struct xbpf_prog *prog, const struct xbpf_run_opts *o,
		  enum xbpf_engine engine, uint64_t *r0)
{
	/* callers built with an older, shorter xbpf_run_opts take the full path */
	if (!OPTS_HAS(o, retval) || tl_busy || o->cpu >= XBPF_MAX_CPUS)
		return 1;
	unsigned nreg = o->regions ? o->region_cnt : 0;
	if (nreg > VM_MAX_USER_REGIONS)
		return 1;
	struct xbpf_runner *r = tl_get(prog, engine, o, nreg);
	if (!r)
		return 1;
	struct xbpf_run_ctx *rc = &r->rc;
	if (r->own_pkt) {      /* a helper may have moved it (xdp_adjust_head) */
		rc->pkt = o->pkt;
		rc->pkt_size = o->pkt_size;
	}
	rc->cpu = o->cpu;
	rc->user = o->user;
	rc->log_buf = o->log_buf;
	rc->log_size = o->log_buf ? o->log_size : 0;
	if (rc->log_size)
		rc->log_buf[0] = '\0';
	uint64_t budget = o->budget ? o->budget : UINT64_MAX;
	if (unlikely(budget != r->budget)) {
		r->budget = budget;
		r->slow = r->clear || r->budget != UINT64_MAX || !r->entry;
	}
	rc->budget = budget;
	tl_busy = true;
	int err = xbpf_runner__run(r, o->ctx, o->ctx_size, r0);
	tl_busy = false;
	return err;
}

/* ---- repeated runs ------------------------------------------------------------------- */

/* The calling thread's CPU time: time the thread spends preempted is not counted (the
 * kernel's BPF_PROG_TEST_RUN likewise stops its timer while it reschedules). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int xbpf_runner__run_repeat(struct xbpf_runner *r, void *ctx, size_t ctx_size,
			    uint64_t repeat, uint64_t *retval, double *duration_ns)
{
	if (!r)
		return -EINVAL;
	if (!repeat)
		repeat = 1;
	uint64_t r0 = 0, i = 0;
	int err = 0;
	uint64_t t0 = cpu_ns();
	/* xbpf_runner__run() inlined: no call and register saves around each run */
	for (; i < repeat; i++) {
		if (unlikely(!runner_fast(r, ctx, ctx_size))) {
			err = runner_run_full(r, ctx, ctx_size, &r0);
		} else {
			r0 = r->entry((uint64_t)(uintptr_t)ctx, ctx_size, &r->rc);
			if (unlikely((uintptr_t)r->rc.tail_target | (unsigned)r->rc.err))
				err = runner_slow(r, r0, &r0);
		}
		if (err)
			break;
	}
	uint64_t t1 = cpu_ns();
	if (duration_ns)
		*duration_ns = (double)(t1 - t0) / (double)(i ? i : 1);
	if (!err && retval)
		*retval = r0;
	return err;
}
