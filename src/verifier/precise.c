/* precise.c - static precision ("demand") analysis: which scalar registers and stack
 * slots may still influence a safety decision after each instruction.
 *
 * A scalar's exact value matters only when, on some path onward, it flows (through ALU
 * operations, moves, spills and fills) into a memory access offset, pointer arithmetic,
 * a helper argument the verifier checks (sizes, constants, NULL), or a conditional jump
 * (whose outcome the value may decide). Everywhere else any scalar would do. This is a
 * static filter on top of the dynamic precision marks (backtrack.c): pruning compares a
 * scalar by value only when some explored path relied on it (marked) AND this analysis
 * says it may still matter here; each alone is sound (a may-analysis over all paths, and
 * marks over the explored ones), so ignoring a scalar either one rules out is too.
 *
 * The analysis is a backward may-dataflow over each function, conservative wherever
 * memory is not addressed through r10 with a constant offset: a load through another
 * pointer may read any stack slot, a store through one kills none, and a local call may
 * read every slot of the caller's stack. Demand on the caller's frame is therefore only
 * used for its registers (callers' stack slots always compare exactly).
 *
 * A forward pass first finds which registers hold "r10 + constant" (fp_val), which hold
 * no stack address at all (NS: context, packet, map and helper values; pointers to the
 * stack are never stored outside it) and which may hold any stack address (TOP). Stack
 * liveness (slot may be read later) and demand then follow accesses through any
 * register, not just r10.
 */
#include <stdlib.h>
#include <string.h>
#include "vrf.h"

#define ALL_SLOTS (~0ull)
#define OP_LDDW_HI 0xfffe

struct dem {
	uint16_t regs;
	uint64_t slots;
	uint64_t live;   /* stack slots that may be read later */
};

#define FP_UNDEF INT32_MIN      /* no path reaches here yet */
#define FP_TOP (INT32_MIN + 1)  /* may be any stack address */
#define FP_NS (INT32_MIN + 2)   /* not a stack address */

static bool fp_known(int32_t v)
{
	return v > FP_NS;
}

static int32_t fp_join(int32_t a, int32_t b)
{
	if (a == FP_UNDEF)
		return b;
	if (b == FP_UNDEF || a == b)
		return a;
	return FP_TOP;
}

/* Slots touched by an access of `size` bytes at r10 + off (slot i: [-(i+1)*8, -i*8)). */
static uint64_t slots_of(int32_t off, unsigned size, bool *full)
{
	uint64_t m = 0;
	*full = size == 8 && off % 8 == 0;
	for (int64_t b = off; b < (int64_t)off + size; b++) {
		if (b < -XBPF_STACK_SIZE || b >= 0) {
			*full = false;
			continue;
		}
		m |= 1ull << ((-b - 1) / 8);
	}
	return m;
}

static uint16_t checked_args(struct vrf_env *env, int32_t id)
{
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)id, NULL);
	uint16_t m = 0;
	if (!p)
		return 0x3e;
	for (int a = 0; a < 5 && p->args[a] != XBPF_ARG_DONTCARE; a++)
		if (p->args[a] != XBPF_ARG_ANYTHING)
			m |= (uint16_t)(1u << (a + 1));
	return m;
}

/* Stack slots an access of `size` bytes at base (fp value) + off may touch. */
static uint64_t touch(int32_t base, int32_t off, unsigned size, bool *full)
{
	*full = false;
	if (base == FP_NS)
		return 0;
	if (!fp_known(base))
		return ALL_SLOTS;
	return slots_of(base + off, size, full);
}

static void mem_transfer(const struct xbpf_insn *in, uint8_t form, unsigned size,
			 const int32_t *fp, struct dem *d)
{
	bool full;
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	if (form == FORM_LDX) {
		uint64_t t = touch(fp[in->src_reg], in->off, size, &full);
		/* a load at the start of a slot returns a spilled value, one elsewhere zero
		 * when a zero was spilled (check_mem.c stack_read): both depend on it */
		if (d->regs & dbit)
			d->slots |= t;
		d->live |= t;
		d->regs &= (uint16_t)~dbit;
		d->regs |= sbit;
		return;
	}
	uint64_t t = touch(fp[in->dst_reg], in->off, size, &full);
	bool demanded = (d->slots & t) != 0;
	if (form == FORM_ATOMIC) {
		d->slots |= t;
		d->live |= t;
		d->regs |= dbit | sbit | (in->imm == XBPF_CMPXCHG ? 1 : 0);
		return;
	}
	if (full) {
		d->slots &= ~t;
		d->live &= ~t;
	}
	if (form == FORM_STX && demanded)
		d->regs |= sbit;
	d->regs |= dbit;
}

/* Slots a helper may read through its pointer arguments: [k, 0) for r10 + k. */
static uint64_t helper_reads(struct vrf_env *env, int32_t id, const int32_t *fp)
{
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)id, NULL);
	uint64_t m = 0;
	if (!p)
		return ALL_SLOTS;
	for (int a = 0; a < 5 && p->args[a] != XBPF_ARG_DONTCARE; a++) {
		int32_t v = fp[a + 1];
		if (p->args[a] == XBPF_ARG_ANYTHING || v == FP_NS)
			continue;
		if (!fp_known(v) || v < -XBPF_STACK_SIZE || v >= 0)
			return ALL_SLOTS;
		for (int64_t b = v; b < 0; b += 8)
			m |= 1ull << ((-b - 1) / 8);
		m |= 1ull << ((-(int64_t)v - 1) / 8);
	}
	return m;
}

/* Slots a map key at fp value v may occupy (calls.c reads one slot's value). */
static uint64_t key_slots(int32_t v)
{
	if (v == FP_NS)
		return 0;
	if (!fp_known(v) || v < -XBPF_STACK_SIZE || v >= 0)
		return ALL_SLOTS;
	return 1ull << ((-(int64_t)v - 1) / 8);
}

/* Demand before insn i, given the demand after it. */
static void transfer(struct vrf_env *env, size_t i, const int32_t *fp, struct dem *d)
{
	const struct xbpf_insn *in = &env->insns[i];
	uint16_t op = env->ops[i];
	uint8_t form = isa_table[op].form;
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	bool mov = XBPF_OP(isa_table[op].code) == XBPF_MOV;
	switch (form) {
	case FORM_ALU_K:
		if (mov)
			d->regs &= (uint16_t)~dbit;
		break;
	case FORM_ALU_X: case FORM_MOVSX:
		if (d->regs & dbit) {
			if (mov || form == FORM_MOVSX)
				d->regs &= (uint16_t)~dbit;
			d->regs |= sbit;
		} else if (mov || form == FORM_MOVSX) {
			d->regs &= (uint16_t)~dbit;
		}
		break;
	case FORM_LDX: case FORM_ST: case FORM_STX: case FORM_ATOMIC:
		mem_transfer(in, form, isa_mem_size(op), fp, d);
		break;
	case FORM_LDDW:
		d->regs &= (uint16_t)~dbit;
		break;
	case FORM_LDABS: case FORM_LDIND:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= (uint16_t)((1u << 6) | (form == FORM_LDIND ? sbit : 0));
		break;
	case FORM_JCOND_K:
		d->regs |= dbit;
		break;
	case FORM_JCOND_X:
		d->regs |= dbit | sbit;
		break;
	case FORM_CALL:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= checked_args(env, in->imm);
		d->live |= helper_reads(env, in->imm, fp);
		if (in->imm == 1)  /* map_lookup_elem: an array key's value decides NULL */
			d->slots |= key_slots(fp[2]);
		if (vrf_helper_has_callback(env, in->imm)) {
			d->live = ALL_SLOTS; /* the callback may read any of them */
			if (env->cb_precise)
				d->slots = ALL_SLOTS;
		}
		break;
	case FORM_CALL_LOCAL:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= 0x3e;
		d->slots = ALL_SLOTS;
		d->live = ALL_SLOTS;
		break;
	case FORM_EXIT:
		d->regs = env->subprog_of[i] ? 1 : 0;
		d->slots = 0;
		d->live = 0;
		break;
	default:
		break;
	}
	d->regs &= 0x3ff;
}

/* fp values after insn k, from the values before it. */
static void fp_step(struct vrf_env *env, size_t k, const int32_t *in, int32_t *out)
{
	const struct xbpf_insn *x = &env->insns[k];
	uint16_t op = env->ops[k];
	uint8_t form = isa_table[op].form, aop = XBPF_OP(isa_table[op].code);
	int32_t d = in[x->dst_reg], s = in[x->src_reg];
	bool is64 = isa_is_64(op);
	memcpy(out, in, XBPF_NREGS * sizeof *out);
	switch (form) {
	case FORM_ALU_K:
		if (aop == XBPF_MOV)
			out[x->dst_reg] = FP_NS;
		else if (fp_known(d) && is64 && (aop == XBPF_ADD || aop == XBPF_SUB) &&
			 x->imm > -4096 && x->imm < 4096)
			out[x->dst_reg] = d + (aop == XBPF_ADD ? x->imm : -x->imm);
		else if (d != FP_NS)
			out[x->dst_reg] = FP_TOP;
		break;
	case FORM_ALU_X:
		if (aop == XBPF_MOV)
			out[x->dst_reg] = is64 ? s : (s == FP_NS ? FP_NS : FP_TOP);
		else if (d != FP_NS || s != FP_NS)
			out[x->dst_reg] = FP_TOP;
		break;
	case FORM_NEG: case FORM_END: case FORM_MOVSX:
		out[x->dst_reg] = (form == FORM_MOVSX ? s : d) == FP_NS ? FP_NS : FP_TOP;
		break;
	case FORM_LDX:
		out[x->dst_reg] = s == FP_NS ? FP_NS : FP_TOP; /* a spilled stack pointer? */
		break;
	case FORM_LDDW:
		out[x->dst_reg] = FP_NS;
		break;
	case FORM_ATOMIC:
		if (x->imm == XBPF_CMPXCHG)
			out[0] = FP_TOP;
		else if (x->imm & XBPF_FETCH)
			out[x->src_reg] = FP_TOP;
		break;
	case FORM_CALL: case FORM_CALL_LOCAL: case FORM_LDABS: case FORM_LDIND:
		for (int r = 0; r <= 5; r++)
			out[r] = FP_NS;
		break;
	default:
		break;
	}
	out[10] = 0;
}

static void fp_entry(struct vrf_env *env, size_t k, int32_t *v)
{
	for (int r = 0; r < XBPF_NREGS; r++)
		v[r] = env->subprog_of[k] && r >= 1 && r <= 5 ? FP_TOP : FP_NS;
	v[10] = 0;
}

static bool fp_merge(int32_t *dst, const int32_t *src)
{
	bool changed = false;
	for (int r = 0; r < XBPF_NREGS; r++) {
		int32_t j = fp_join(dst[r], src[r]);
		if (j != dst[r]) {
			dst[r] = j;
			changed = true;
		}
	}
	return changed;
}

/* Forward pass: fp values before each insn. */
static void fp_analysis(struct vrf_env *env, int32_t *fp)
{
	int32_t out[XBPF_NREGS];
	for (size_t i = 0; i < env->cnt * XBPF_NREGS; i++)
		fp[i] = FP_UNDEF;
	for (unsigned s = 0; s < env->nsubprogs; s++)
		fp_entry(env, env->subprogs[s].start, &fp[env->subprogs[s].start * XBPF_NREGS]);
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = 0; k < env->cnt; k++) {
			uint16_t op = env->ops[k];
			if (op == OP_LDDW_HI || fp[k * XBPF_NREGS + 10] == FP_UNDEF)
				continue;
			uint8_t form = isa_table[op].form;
			fp_step(env, k, &fp[k * XBPF_NREGS], out);
			size_t next = k + (form == FORM_LDDW ? 2 : 1);
			if (form != FORM_EXIT && form != FORM_JA && form != FORM_JA32 && next < env->cnt)
				changed |= fp_merge(&fp[next * XBPF_NREGS], out);
			if (isa_is_jump(op))
				changed |= fp_merge(&fp[(size_t)isa_target(op, &env->insns[k], k) *
						       XBPF_NREGS], out);
		}
	}
	for (size_t i = 0; i < env->cnt * XBPF_NREGS; i++)
		if (fp[i] == FP_UNDEF)
			fp[i] = FP_TOP;
}

static void solve(struct vrf_env *env, struct dem *in, const int32_t *fp)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = env->cnt; k-- > 0;) {
			uint16_t op = env->ops[k];
			if (op == OP_LDDW_HI)
				continue;
			uint8_t form = isa_table[op].form;
			struct dem d = {0, 0, 0};
			size_t next = k + (form == FORM_LDDW ? 2 : 1);
			if (form != FORM_EXIT && form != FORM_JA && form != FORM_JA32 && next < env->cnt) {
				d.regs |= in[next].regs;
				d.slots |= in[next].slots;
				d.live |= in[next].live;
			}
			if (isa_is_jump(op)) {
				size_t t = (size_t)isa_target(op, &env->insns[k], k);
				d.regs |= in[t].regs;
				d.slots |= in[t].slots;
				d.live |= in[t].live;
			}
			transfer(env, k, &fp[k * XBPF_NREGS], &d);
			if (d.regs != in[k].regs || d.slots != in[k].slots || d.live != in[k].live) {
				in[k] = d;
				changed = true;
			}
		}
	}
}

/* Does some callback function (lddw src=4 target) let a value it loads through a pointer
 * that may address another frame's stack (its ctx argument) decide a safety check? Then
 * every caller slot is demanded at the helper call that runs it. Calls inside callbacks
 * count as such uses. */
static bool callbacks_read_precisely(struct vrf_env *env, const struct dem *in,
				     const int32_t *fp)
{
	bool *cb = calloc(env->nsubprogs, sizeof *cb), any = false;
	if (!cb)
		return true;
	for (size_t i = 0; i < env->cnt; i++)
		if (env->ops[i] != OP_LDDW_HI && isa_table[env->ops[i]].form == FORM_LDDW &&
		    env->insns[i].src_reg == XBPF_PSEUDO_FUNC) {
			int64_t t = (int64_t)i + env->insns[i].imm + 1;
			if (t >= 0 && (size_t)t < env->cnt)
				cb[env->subprog_of[t]] = true;
		}
	for (size_t k = 0; k < env->cnt && !any; k++) {
		uint16_t op = env->ops[k];
		if (op == OP_LDDW_HI || !cb[env->subprog_of[k]])
			continue;
		const struct xbpf_insn *x = &env->insns[k];
		uint8_t form = isa_table[op].form;
		if (form == FORM_CALL_LOCAL || form == FORM_ATOMIC ||
		    (form == FORM_CALL && vrf_helper_has_callback(env, x->imm)))
			any = true;
		else if (form == FORM_LDX && !fp_known(fp[k * XBPF_NREGS + x->src_reg]) &&
			 fp[k * XBPF_NREGS + x->src_reg] != FP_NS && k + 1 < env->cnt &&
			 (in[k + 1].regs >> x->dst_reg & 1))
			any = true;
	}
	free(cb);
	return any;
}

void vrf_precision(struct vrf_env *env)
{
	struct dem *in = calloc(env->cnt, sizeof *in);
	int32_t *fp = calloc(env->cnt * XBPF_NREGS, sizeof *fp);
	if (!in || !fp) {
		for (size_t i = 0; i < env->cnt; i++) {
			env->dem_regs[i] = 0x3ff;
			env->dem_slots[i] = ALL_SLOTS;
			env->live_slots[i] = ALL_SLOTS;
		}
		free(in);
		free(fp);
		return;
	}
	fp_analysis(env, fp);
	env->cb_precise = true;
	solve(env, in, fp);
	if (!callbacks_read_precisely(env, in, fp)) {
		env->cb_precise = false;
		memset(in, 0, env->cnt * sizeof *in);
		solve(env, in, fp);
	}
	for (size_t i = 0; i < env->cnt; i++) {
		env->dem_regs[i] = in[i].regs;
		env->dem_slots[i] = in[i].slots;
		env->live_slots[i] = in[i].live;
	}
	free(in);
	free(fp);
}
