/* xbpf/runner.h - prepared runs: a reusable run handle for calling one program many times
 * with the least overhead per run (the "fast path" next to xbpf_prog__run()).
 *
 * xbpf_prog__run() builds everything a run needs on every call: it reads its options,
 * clears the stack, fills the run context (memory regions, budget, error state) and picks
 * the engine. A runner does all of that once, in xbpf_runner__new(), and keeps it: its own
 * stack and run context live in the runner. xbpf_runner__run() then only points the
 * context at the new ctx memory, resets the little state a run may change and calls the
 * engine (for the JIT: the compiled entry point directly). Typical use, one per thread:
 *
 *	struct xbpf_runner *r = xbpf_runner__new(prog, NULL);
 *	for (each packet)
 *		err = xbpf_runner__run(r, pkt, len, &r0);
 *	xbpf_runner__free(r);
 *
 * Stack clearing (why a runner usually does none). The runner's stack is its own heap
 * memory, zeroed when the runner is created, and only the runner's program (and programs
 * it tail-calls) ever write it: nothing from the host or another runner can leak into a
 * run, so clearing is never needed for safety. It matters for determinism only: a program
 * that reads stack it has not written in this run would see its previous run's bytes.
 *  - Programs loaded with XBPF_PROG_F_VERIFIED (the verifier proved that every stack read
 *    follows a write on every path; the loader leaves the flag off for a program that reads
 *    uninitialised stack, which the verifier accepts by default) run on the stack as it is.
 *  - A program that never names r10 cannot address its stack: nothing to clear.
 *  - Any other program gets its whole stack (all frames, 4 KiB: a program without runtime
 *    checks may reach any of them) zeroed before each run, so each run starts from the
 *    same state as under xbpf_prog__run(). Mark verified programs to avoid that cost
 *    (the object loader's verification is what proves it).
 *
 * Semantics otherwise match xbpf_prog__run() with the same options: r1 = ctx, r2 =
 * ctx_size, [ctx, ctx+ctx_size) readable and writable, LD_ABS/LD_IND read the ctx memory,
 * budget and runtime errors as documented there.
 *
 * Threads: a runner is used by one thread at a time (it holds the run's mutable state);
 * create one per thread to run one program in parallel. The runner holds a reference on
 * its program, so the program may be freed before the runner.
 */
#ifndef XBPF_RUNNER_H
#define XBPF_RUNNER_H

#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xbpf_runner;

struct xbpf_runner_opts {
	size_t sz;
	/* Engine (DEFAULT: the program's). */
	enum xbpf_engine engine;
	/* Stop each run with -ETIME after this many instructions (0: no limit). */
	uint64_t budget;
	/* Worker slot for per-CPU data (0..XBPF_MAX_CPUS-1). */
	unsigned cpu;
	/* Opaque pointer for helpers (xbpf_run_ctx__user). */
	void *user;
	/* Further memory every run may touch (copied; up to 16 regions). */
	const struct xbpf_region *regions;
	unsigned region_cnt;
	/* Where a run's runtime error text goes (kept by the runner: must outlive it). */
	char *log_buf;
	size_t log_size;
};

/* Prepare runs of `prog`. Returns NULL with errno EINVAL (bad arguments or options, an
 * engine the program was not compiled for) or ENOMEM. */
XBPF_API struct xbpf_runner *xbpf_runner__new(struct xbpf_prog *prog,
					       const struct xbpf_runner_opts *opts);

/* Run the program once on ctx (r1 = ctx, r2 = ctx_size). Returns 0 with r0 in *retval
 * (retval may be NULL), or -errno as xbpf_prog__run() does (-EFAULT, -ETIME, -E2BIG,
 * -EINVAL) with the message in the runner's log_buf. */
XBPF_API int xbpf_runner__run(struct xbpf_runner *r, void *ctx, size_t ctx_size,
			      uint64_t *retval);

/* Run `repeat` times (at least once) on the same ctx, like BPF_PROG_TEST_RUN's repeat:
 * state carries over between runs. Stops at the first error. r0 of the last run in
 * *retval; in *duration_ns the average ns per run of the loop around the runs alone (no
 * setup), measured as the calling thread's CPU time so that time spent preempted is not
 * counted (the kernel's test run stops its timer while rescheduling, too). Either output
 * may be NULL. The loop is xbpf_runner__run() inlined: the JIT's entry is called
 * directly, run after run. */
XBPF_API int xbpf_runner__run_repeat(struct xbpf_runner *r, void *ctx, size_t ctx_size,
				     uint64_t repeat, uint64_t *retval, double *duration_ns);

/* The program a runner runs. */
XBPF_API struct xbpf_prog *xbpf_runner__prog(const struct xbpf_runner *r);

XBPF_API void xbpf_runner__free(struct xbpf_runner *r);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_RUNNER_H */
