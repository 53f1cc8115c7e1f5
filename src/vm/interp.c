/* interp.c - the interpreter engine: threaded dispatch over the decoded program.
 *
 * One body (interp_body.h) is compiled four times: computed-goto or switch dispatch
 * (XBPF_ENGINE_INTERP / XBPF_ENGINE_INTERP_SWITCH), each with or without runtime memory
 * checks (programs loaded with XBPF_PROG_F_NO_CHECKS skip them). Dispatch goes through the
 * DISPATCH/CASE/NEXT macros, so both strategies share every line of semantics; where the
 * compiler has no computed goto (or with -DXBPF_DISPATCH_SWITCH_ONLY) both engines use the
 * switch build.
 *
 * Instruction budget: the engine charges whole straight-line runs when control leaves them
 * (taken jump, call, exit), so an unlimited budget costs one subtraction per taken branch
 * and nothing per instruction; a run that exceeds the budget stops with -ETIME at its end
 * (side effects of at most one straight-line run past the limit are possible).
 *
 * All run state lives in locals and in the struct xbpf_run_ctx of the run: re-entrant.
 */
#include <errno.h>
#include <string.h>
#include "vm_internal.h"

#if defined(__GNUC__) && !defined(XBPF_DISPATCH_SWITCH_ONLY)
#define INTERP_HAVE_GOTO 1
#else
#define INTERP_HAVE_GOTO 0
#endif

#define INTERP_TAIL 1 /* an engine body's "restart with rc->tail_target" result */

typedef int (*interp_fn)(struct xbpf_run_ctx *rc, const struct xbpf_prog *prog, uint32_t pc,
			 unsigned base, const uint64_t args[5], uint64_t *ret);

/* ---- cold paths: runtime errors with the instruction's disassembly -------------------- */

static void describe(const struct xbpf_prog *prog, uint32_t pc, char *buf, size_t size)
{
	xbpf_disasm_insn(prog->insns, prog->insn_cnt, pc, XBPF_SYNTAX_UBPF, prog->vm, buf, size);
}

__attribute__((cold, noinline)) static int mem_fault(struct xbpf_run_ctx *rc,
						     const struct xbpf_prog *prog, uint32_t pc,
						     uint64_t addr, unsigned size, bool write)
{
	char dis[128], where[384];
	describe(prog, pc, dis, sizeof dis);
	bool inside = vm_mem_ok(rc, addr, size, false);
	vm_fault_where(rc, addr, size, write, where, sizeof where);
	return vm_error(rc, EFAULT, "insn %u (%s): %s %s of %u bytes at 0x%llx%s", pc, dis,
			inside ? "read-only memory:" : "out-of-bounds",
			write ? "write" : "read", size, (unsigned long long)addr, where);
}

__attribute__((cold, noinline)) static int align_fault(struct xbpf_run_ctx *rc,
						       const struct xbpf_prog *prog, uint32_t pc,
						       uint64_t addr, unsigned size)
{
	char dis[128];
	describe(prog, pc, dis, sizeof dis);
	return vm_error(rc, EFAULT, "insn %u (%s): misaligned atomic access of %u bytes at 0x%llx",
			pc, dis, size, (unsigned long long)addr);
}

__attribute__((cold, noinline)) static int budget_fault(struct xbpf_run_ctx *rc,
							const struct xbpf_prog *prog, uint32_t pc)
{
	char dis[128];
	describe(prog, pc, dis, sizeof dis);
	return vm_error(rc, ETIME, "insn %u (%s): instruction budget exhausted", pc, dis);
}

__attribute__((cold, noinline)) static int depth_fault(struct xbpf_run_ctx *rc,
						       const struct xbpf_prog *prog, uint32_t pc)
{
	char dis[128];
	describe(prog, pc, dis, sizeof dis);
	return vm_error(rc, E2BIG, "insn %u (%s): call depth exceeds %d frames", pc, dis,
			XBPF_MAX_FRAMES);
}

__attribute__((cold, noinline)) static int callx_fault(struct xbpf_run_ctx *rc,
						       const struct xbpf_prog *prog, uint32_t pc,
						       uint64_t id)
{
	char dis[128];
	describe(prog, pc, dis, sizeof dis);
	return vm_error(rc, EINVAL, "insn %u (%s): callx to unknown helper %llu", pc, dis,
			(unsigned long long)id);
}

/* After a helper: rc->err or rc->tail_target is set. */
__attribute__((cold, noinline)) static int helper_stop(struct xbpf_run_ctx *rc,
						       const struct xbpf_prog *prog, uint32_t pc,
						       unsigned base)
{
	if (rc->err)
		return -rc->err;
	if (base != 0) {
		char dis[128];
		describe(prog, pc, dis, sizeof dis);
		return vm_error(rc, EINVAL, "insn %u (%s): tail call from a callback", pc, dis);
	}
	return INTERP_TAIL;
}

/* The budget in bytes of decoded code; budgets past 2^60 slots count as unlimited. */
static inline uint64_t budget_to_bytes(uint64_t slots)
{
	return slots > UINT64_MAX / sizeof(struct vm_dinsn) ? UINT64_MAX
							    : slots * sizeof(struct vm_dinsn);
}

/* vm_mem_ok(), inlined into the checked builds. */
static inline bool interp_mem_ok(const struct xbpf_run_ctx *rc, uint64_t addr, size_t size,
				 bool write)
{
	for (unsigned i = 0; i < rc->region_cnt; i++) {
		const struct xbpf_region *r = &rc->regions[i];
		uint64_t off = addr - (uint64_t)(uintptr_t)r->base;
		if (off < r->size && size <= r->size - off && (!write || r->writable))
			return true;
	}
	return false;
}

/* Big-endian load of `size` bytes at packet offset off for LD_ABS/LD_IND; false when out
 * of bounds. */
static inline bool pkt_load(const struct xbpf_run_ctx *rc, int64_t off, unsigned size,
			    uint64_t *out)
{
	if (off < 0 || !rc->pkt || (uint64_t)off > rc->pkt_size ||
	    size > rc->pkt_size - (uint64_t)off)
		return false;
	const uint8_t *p = rc->pkt + off;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[i];
	*out = v;
	return true;
}

/* ---- superinstructions for hot loops ----------------------------------------------------
 * A run that takes INTERP_FUSE_AFTER backward jumps in a program of at most INTERP_FUSE_MAX
 * slots switches to a copy of prog->code on its own stack in which the first slot of some
 * straight-line patterns clang emits gets a fused op that executes the whole pattern. The
 * other slots keep their op, so a jump into the middle of a pattern still works, and the
 * budget (charged by slot distance when control leaves a run) is unchanged. Fused patterns
 * contain no memory access and no fault, so error positions are unchanged too. */

enum interp_fused_op {
	XOP_F_MOVX_RSHK = XOP__COUNT, /* d = s; d >>= k */
	XOP_F_MOVX_LSHK,              /* d = s; d <<= k */
	XOP_F_MOVX_ANDK,              /* d = s; d &= k */
	XOP_F_MOVX_ADDK,              /* d = s; d += k */
	XOP_F_MOVX_ADDX,              /* d = s; d += s2 (s2 != d) */
	XOP_F_MOVX_ZEXT,              /* d = s; d <<= 32; d >>= 32 */
	XOP_F_ZEXT,                   /* d <<= 32; d >>= 32 */
	XOP_F_SHIFTXOR,               /* d = s; d >>= k; d ^= s2 (s2 != d) */
	XOP_F_ADDK_JNEK,              /* d += k; if d != k2 goto t */
	XOP_F_MULK_ADDK,              /* d *= k; d += k2 */
	XOP_F_LSHK_ORX,               /* d <<= k; d |= s (s != d) */
	XOP_F__END
};

#define INTERP_FUSE_MAX 256
#define INTERP_FUSE_AFTER 8

static bool is_op(const struct vm_dinsn *in, uint16_t op, uint8_t dst)
{
	return in->op == op && in->dst == dst;
}

/* The fused op for the pattern starting at slot i (of n), or 0 when there is none. */
static uint16_t fuse_at(const struct vm_dinsn *c, size_t i, size_t n)
{
	const struct vm_dinsn *a = &c[i];
	uint8_t d = a->dst;
	if (i + 1 >= n)
		return 0;
	const struct vm_dinsn *b = &c[i + 1], *e = i + 2 < n ? &c[i + 2] : NULL;
	if (a->op == XOP_LSH64_K && a->imm == 32 && is_op(b, XOP_RSH64_K, d) && b->imm == 32)
		return XOP_F_ZEXT;
	if (a->op == XOP_ADD64_K && is_op(b, XOP_JNE64_K, d))
		return XOP_F_ADDK_JNEK;
	if (a->op == XOP_MUL64_K && is_op(b, XOP_ADD64_K, d))
		return XOP_F_MULK_ADDK;
	if (a->op == XOP_LSH64_K && is_op(b, XOP_OR64_X, d) && b->src != d)
		return XOP_F_LSHK_ORX;
	if (a->op != XOP_MOV64_X)
		return 0;
	if (e && is_op(b, XOP_LSH64_K, d) && b->imm == 32 && is_op(e, XOP_RSH64_K, d) &&
	    e->imm == 32)
		return XOP_F_MOVX_ZEXT;
	if (e && is_op(b, XOP_RSH64_K, d) && is_op(e, XOP_XOR64_X, d) && e->src != d)
		return XOP_F_SHIFTXOR;
	if (is_op(b, XOP_RSH64_K, d))
		return XOP_F_MOVX_RSHK;
	if (is_op(b, XOP_LSH64_K, d))
		return XOP_F_MOVX_LSHK;
	if (is_op(b, XOP_AND64_K, d))
		return XOP_F_MOVX_ANDK;
	if (is_op(b, XOP_ADD64_K, d))
		return XOP_F_MOVX_ADDK;
	if (is_op(b, XOP_ADD64_X, d) && b->src != d)
		return XOP_F_MOVX_ADDX;
	return 0;
}

/* out[0..n) = code[0..n) with fused ops on the first slot of each pattern. */
__attribute__((noinline)) static void interp_fuse(const struct vm_dinsn *code, size_t n,
						  struct vm_dinsn *out)
{
	memcpy(out, code, n * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		uint16_t f = fuse_at(code, i, n);
		if (f) {
			out[i].op = f;
			i += f == XOP_F_MOVX_ZEXT || f == XOP_F_SHIFTXOR ? 2 : 1;
		}
	}
}

/* ---- the four builds of the body -------------------------------------------------------- */

#define INTERP_NAME interp_switch_checked
#define INTERP_GOTO 0
#define INTERP_CHECKED 1
#include "interp_body.h"

#define INTERP_NAME interp_switch_fast
#define INTERP_GOTO 0
#define INTERP_CHECKED 0
#include "interp_body.h"

#if INTERP_HAVE_GOTO
#define INTERP_NAME interp_goto_checked
#define INTERP_GOTO 1
#define INTERP_CHECKED 1
#include "interp_body.h"

#define INTERP_NAME interp_goto_fast
#define INTERP_GOTO 1
#define INTERP_CHECKED 0
#include "interp_body.h"
#else
#define interp_goto_checked interp_switch_checked
#define interp_goto_fast interp_switch_fast
#endif

static interp_fn pick(const struct xbpf_prog *prog, bool use_switch)
{
	bool checked = !(prog->flags & XBPF_PROG_F_NO_CHECKS);
	if (use_switch)
		return checked ? interp_switch_checked : interp_switch_fast;
	return checked ? interp_goto_checked : interp_goto_fast;
}

int vm_interp_run(struct xbpf_prog *prog, struct xbpf_run_ctx *rc, uint64_t r1, uint64_t r2,
		  uint64_t *ret, bool use_switch)
{
	uint64_t args[5] = {r1, r2, 0, 0, 0};
	rc->prog = prog;
	for (;;) {
		rc->depth = 0;
		int err = pick(prog, use_switch)(rc, prog, 0, 0, args, ret);
		if (err != INTERP_TAIL)
			return err;
		prog = rc->prog = rc->tail_target;
		rc->tail_target = NULL;
		args[0] = (uint64_t)(uintptr_t)rc->ctx;
		args[1] = rc->ctx_size;
	}
}

/* True when pc starts a function of prog (binary search of the sorted funcs). */
static bool is_func_start(const struct xbpf_prog *prog, uint64_t pc)
{
	unsigned lo = 0, hi = prog->func_cnt;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (prog->funcs[mid].start == pc)
			return true;
		if (prog->funcs[mid].start < pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int vm_interp_call(struct xbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5],
		   uint64_t *ret, bool use_switch)
{
	const struct xbpf_prog *prog = rc->prog;
	if (!vm_is_func_value(fn) || !is_func_start(prog, fn & VM_FUNC_MASK))
		return vm_error(rc, EINVAL, "callback: 0x%llx is not a function of program '%s'",
				(unsigned long long)fn, prog->name);
	unsigned depth = rc->depth;
	if (depth + 1 >= XBPF_MAX_FRAMES)
		return vm_error(rc, E2BIG, "callback: call depth exceeds %d frames",
				XBPF_MAX_FRAMES);
	int err = pick(prog, use_switch)(rc, prog, (uint32_t)(fn & VM_FUNC_MASK), depth + 1,
					 args, ret);
	rc->depth = depth;
	return err;
}
