/* backtrack.c - dynamic precision: which scalars' exact values a path relied on.
 *
 * A stored state (checkpoint, check.c) compares its scalars with a later state's only
 * where they are marked `precise`; unmarked scalars match any scalar. A scalar gets the
 * mark when some check on a path explored from the checkpoint relied on its value: a
 * conditional jump whose outcome the value decided (a branch found infeasible), pointer
 * arithmetic, a helper's size or NULL argument, a callback's return value. Such a check
 * names the registers it used (before the current instruction); the walk below carries
 * that set backwards along the path's history (struct vrf_hist) instruction by
 * instruction, translating it (a move passes the need to its source, a fill to its stack
 * slot, a spill back to the register, a call to the caller's argument registers, a
 * return to the callee's r0, ...), and marks it in every checkpoint it passes, through
 * the chain of parents. It stops when the set is empty or a checkpoint already has every
 * mark (its ancestors then have them too: walks always continue to the top). Whatever it
 * cannot translate exactly (a stack access at an unknown offset, an atomic operation on
 * the stack, an inconsistent frame) turns into "every scalar of this checkpoint and its
 * ancestors is precise" - imprecise results cost pruning, never soundness.
 *
 * When a state is pruned by a stored one, the pruned path relies on exactly what the
 * stored one's exploration relied on: its precise scalars are walked back from the
 * pruned state the same way (check.c).
 */
#include <string.h>
#include "vrf.h"

#define OP_LDDW_HI 0xfffe
#define SEQ 0xff /* successor reached by falling through */

struct walk {
	struct vrf_bt bt;
	int frame;   /* frame of the instruction being translated */
	bool all;
	uint8_t bit; /* VRF_P_HARD or VRF_P_SOFT */
};

void *vrf_arena_alloc(struct vrf_env *env, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (!env->arena || env->arena_used + size > env->arena_size) {
		size_t sz = 64 * 1024;
		void **chunk = vrf_alloc(env, sz);
		if (!chunk)
			return NULL;
		chunk[0] = env->arena;
		env->arena = chunk;
		env->arena_used = sizeof(void *) * 2;
		env->arena_size = sz;
	}
	void *p = (char *)env->arena + env->arena_used;
	env->arena_used += size;
	return p;
}

static struct vrf_hist *hist_new(struct vrf_env *env, struct vrf_state *st, uint8_t kind)
{
	struct vrf_hist *h = vrf_arena_alloc(env, sizeof *h);
	if (!h) {
		env->hist_oom = true;
		return NULL;
	}
	memset(h, 0, sizeof *h);
	h->prev = st->hist;
	h->idx = env->pc;
	h->kind = kind;
	st->hist = h;
	return h;
}

void vrf_hist_jump(struct vrf_env *env, struct vrf_state *st, uint32_t from, uint32_t to,
		   enum vrf_hist_kind kind)
{
	struct vrf_hist *h = hist_new(env, st, (uint8_t)kind);
	if (h) {
		h->idx = to;
		h->from = from;
	}
}

void vrf_hist_stack(struct vrf_env *env, struct vrf_state *st, int frame, int64_t off,
		    unsigned size, bool var)
{
	struct vrf_hist *h = hist_new(env, st, VH_STACK);
	if (h) {
		h->frame = (uint8_t)frame;
		h->off = (int32_t)off;
		h->size = (uint8_t)size;
		h->var = var;
	}
}

void vrf_links(const struct vrf_state *st, uint32_t a, uint32_t b, struct vrf_bt *bt)
{
	memset(bt, 0, sizeof *bt);
	for (int i = 0; i <= st->curframe; i++) {
		const struct vrf_frame *f = st->frames[i];
		for (int r = 0; r < XBPF_NREGS; r++) {
			const struct vrf_reg *x = &f->regs[r];
			if (x->type == VT_SCALAR && x->id && (x->id == a || x->id == b))
				bt->regs[i] |= (uint16_t)(1u << r);
		}
		for (int s = 0; s < f->nslots; s++) {
			const struct vrf_reg *x = &f->slots[s].spill;
			if (f->slots[s].kind[0] == SB_SPILL && x->type == VT_SCALAR && x->id &&
			    (x->id == a || x->id == b))
				bt->slots[i] |= 1ull << s;
		}
	}
}

void vrf_hist_link(struct vrf_env *env, struct vrf_state *st, uint32_t a, uint32_t b,
		   unsigned dst, int src)
{
	struct vrf_bt *bt = vrf_arena_alloc(env, sizeof *bt);
	if (!bt) {
		env->hist_oom = true;
		return;
	}
	vrf_links(st, a, b, bt);
	bt->regs[st->curframe] |= (uint16_t)(1u << dst);
	if (src >= 0)
		bt->regs[st->curframe] |= (uint16_t)(1u << src);
	struct vrf_hist *h = hist_new(env, st, VH_LINK);
	if (h)
		h->link = bt;
}

/* ---- marking checkpoints ---- */

static bool bt_empty(const struct vrf_bt *bt, int nframes)
{
	for (int i = 0; i < nframes; i++)
		if (bt->regs[i] || bt->slots[i])
			return false;
	return true;
}

static bool bt_meets(const struct vrf_bt *a, const struct vrf_bt *b)
{
	for (int i = 0; i < XBPF_MAX_FRAMES; i++)
		if ((a->regs[i] & b->regs[i]) || (a->slots[i] & b->slots[i]))
			return true;
	return false;
}

static void bt_or(struct vrf_bt *a, const struct vrf_bt *b)
{
	for (int i = 0; i < XBPF_MAX_FRAMES; i++) {
		a->regs[i] |= b->regs[i];
		a->slots[i] |= b->slots[i];
	}
}

static void mark_reg_all(struct vrf_reg *r, void *arg)
{
	(void)arg;
	if (r->type == VT_SCALAR)
		r->precise |= VRF_P_HARD;
}

/* Every scalar of s and its ancestors. */
static void mark_chain_all(struct vrf_stored *s)
{
	for (; s && !s->all_precise; s = s->parent) {
		s->all_precise = true;
		if (s->st)
			vrf_for_each_reg(s->st, mark_reg_all, NULL);
	}
}

/* Set mark `bit` on r; false when it had it (or, for a soft mark, any mark). */
static bool mark(struct vrf_reg *r, uint8_t bit)
{
	bool had = bit == VRF_P_SOFT ? r->precise != 0 : (r->precise & bit) != 0;
	r->precise |= bit;
	return !had;
}

/* Mark w's set in checkpoint s (dropping what is no scalar there). False: every mark was
 * already set, the walk may stop. */
static bool mark_ckpt(struct walk *w, struct vrf_stored *s)
{
	struct vrf_state *st = s->st;
	bool added = false;
	if (!st)
		return true; /* evicted: nothing to mark, keep walking */
	if (s->all_precise)
		return false;
	if (st->curframe != w->frame) {
		w->all = true;
		return true;
	}
	for (int i = st->curframe + 1; i < XBPF_MAX_FRAMES; i++)
		if (w->bt.regs[i] || w->bt.slots[i]) {
			w->all = true;
			return true;
		}
	for (int i = 0; i <= st->curframe; i++) {
		struct vrf_frame *f = st->frames[i];
		for (int r = 0; r < XBPF_NREGS; r++) {
			if (!(w->bt.regs[i] >> r & 1))
				continue;
			if (f->regs[r].type != VT_SCALAR)
				w->bt.regs[i] &= (uint16_t)~(1u << r);
			else
				added |= mark(&f->regs[r], w->bit);
		}
		for (int k = 0; k < VRF_STACK_SLOTS; k++) {
			if (!(w->bt.slots[i] >> k & 1))
				continue;
			struct vrf_slot *sl = k < f->nslots ? &f->slots[k] : NULL;
			if (!sl || sl->kind[0] != SB_SPILL || sl->spill.type != VT_SCALAR)
				w->bt.slots[i] &= ~(1ull << k);
			else
				added |= mark(&sl->spill, w->bit);
		}
	}
	return added;
}

/* ---- translating the set backwards over one instruction ---- */

/* Slots of bytes [lo, lo + size). */
static uint64_t slots_of(int64_t lo, unsigned size)
{
	uint64_t m = 0;
	for (int64_t b = lo; b < lo + (int64_t)size; b++)
		if (b >= -XBPF_STACK_SIZE && b < 0)
			m |= 1ull << ((-b - 1) / 8);
	return m;
}

/* Frame and bytes a memory insn accessed on the stack; false when not the stack. */
static bool stack_of(const struct walk *w, const struct xbpf_insn *in, unsigned base,
		     unsigned size, const struct vrf_hist *sh, int *frame, int64_t *lo,
		     bool *var)
{
	*var = false;
	if (base == 10) {
		*frame = w->frame;
		*lo = in->off;
		return true;
	}
	if (!sh)
		return false;
	*frame = sh->frame;
	*lo = sh->off;
	*var = sh->var;
	(void)size;
	return true;
}

static void back_mem(struct walk *w, const struct xbpf_insn *in, uint16_t op,
		     const struct vrf_hist *sh)
{
	uint8_t form = isa_table[op].form;
	unsigned size = isa_mem_size(op);
	uint16_t *regs = &w->bt.regs[w->frame];
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	int f;
	int64_t lo;
	bool var;
	if (form == FORM_LDX) {
		if (!(*regs & dbit))
			return;
		*regs &= (uint16_t)~dbit;
		if (!stack_of(w, in, in->src_reg, size, sh, &f, &lo, &var))
			return;       /* loaded from memory the state does not track by value */
		if (var || f > w->frame)
			w->all = true;
		else
			w->bt.slots[f] |= slots_of(lo, size);
		return;
	}
	if (!stack_of(w, in, in->dst_reg, size, sh, &f, &lo, &var))
		goto not_stack;
	if (f > w->frame) {
		w->all = true;
		return;
	}
	uint64_t t = var ? ~0ull : slots_of(lo, size);
	if (form == FORM_ATOMIC) {
		uint16_t fetched = in->imm == XBPF_CMPXCHG ? 1 : (in->imm & XBPF_FETCH) ? sbit : 0;
		if ((w->bt.slots[f] & t) || (*regs & fetched))
			w->all = true;
		return;
	}
	if (!(w->bt.slots[f] & t))
		return;
	if (!var)  /* any store into a slot ends its spill (check_mem.c stack_mark): only
		    * what this store puts there (a narrow spill: its register) is read later */
		w->bt.slots[f] &= ~t;
	if (form == FORM_STX)
		*regs |= sbit;
	return;
not_stack:
	if (form == FORM_ATOMIC) {
		if (in->imm == XBPF_CMPXCHG)
			*regs &= (uint16_t)~1u;
		else if (in->imm & XBPF_FETCH)
			*regs &= (uint16_t)~sbit;
	}
}

/* The helper call at i, followed by `next` (its callback's entry for VH_CBCALL). */
static void back_helper(struct walk *w, const struct xbpf_insn *in, uint8_t kind)
{
	if (kind != VH_CBCALL) {
		w->bt.regs[w->frame] &= (uint16_t)~0x3fu; /* r0 fresh, r1-r5 clobbered */
		return;
	}
	int cf = w->frame;
	if (cf == 0) {
		w->all = true;
		return;
	}
	uint16_t c = w->bt.regs[cf];
	uint16_t *caller = &w->bt.regs[cf - 1];
	if (in->imm == 181 && (c & (1u << 2)))        /* bpf_loop: fn(i, ctx = r3) */
		*caller |= 1u << 3;
	if (in->imm == 164) {                          /* for_each: fn(map, k, v, ctx = r3) */
		if (c & (1u << 1))
			*caller |= 1u << 1;
		if (c & (1u << 4))
			*caller |= 1u << 3;
	}
	w->bt.regs[cf] = 0;
	w->bt.slots[cf] = 0;
	w->frame = cf - 1;
}

static void back_call_exit(struct walk *w, uint8_t form, uint8_t kind)
{
	int f = w->frame;
	if (form == FORM_CALL_LOCAL) {   /* back from the callee's entry into the caller */
		if (kind != VH_CALL || f == 0) {
			w->all = true;
			return;
		}
		w->bt.regs[f - 1] |= w->bt.regs[f] & 0x3e;
		w->bt.regs[f] = 0;
		w->bt.slots[f] = 0;
		w->frame = f - 1;
		return;
	}
	/* exit: back from the caller into the returning callee */
	if ((kind != VH_RET && kind != VH_CBRET) || f + 1 >= XBPF_MAX_FRAMES) {
		w->all = true;
		return;
	}
	w->bt.regs[f + 1] = 0;
	w->bt.slots[f + 1] = 0;
	if (kind == VH_RET) {
		w->bt.regs[f + 1] = w->bt.regs[f] & 1;
		w->bt.regs[f] &= (uint16_t)~0x3fu;
	}
	w->frame = f + 1;
}

/* Translate the set from after insn i (followed by `kind`) to before it. */
static void back_insn(struct vrf_env *env, struct walk *w, uint32_t i, uint8_t kind,
		      const struct vrf_hist *sh, const struct vrf_hist *lh)
{
	const struct xbpf_insn *in = &env->insns[i];
	uint16_t op = env->ops[i];
	uint8_t form = isa_table[op].form;
	uint16_t *regs = &w->bt.regs[w->frame];
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	bool mov = XBPF_OP(isa_table[op].code) == XBPF_MOV;
	switch (form) {
	case FORM_ALU_K:
		if (mov)
			*regs &= (uint16_t)~dbit;
		break;
	case FORM_ALU_X: case FORM_MOVSX:
		if (*regs & dbit) {
			if (mov || form == FORM_MOVSX)
				*regs &= (uint16_t)~dbit;
			*regs |= sbit;
		}
		break;
	case FORM_LDX: case FORM_ST: case FORM_STX: case FORM_ATOMIC:
		back_mem(w, in, op, sh);
		break;
	case FORM_LDDW:
		*regs &= (uint16_t)~dbit;
		break;
	case FORM_LDABS: case FORM_LDIND:
		*regs &= (uint16_t)~0x3fu;
		break;
	case FORM_JCOND_X:
		if (*regs & (dbit | sbit))
			*regs |= dbit | sbit; /* the jump refined each by the other */
		break;
	case FORM_CALL:
		back_helper(w, in, kind);
		break;
	case FORM_CALL_LOCAL: case FORM_EXIT:
		back_call_exit(w, form, kind);
		break;
	default:
		break;
	}
	if (lh && bt_meets(&w->bt, lh->link))
		bt_or(&w->bt, lh->link);
	w->bt.regs[w->frame] &= 0x3ff;
}

/* ---- the walk ---- */

/* Carry w's set (before insn pc, after history h) back through the checkpoints from ck. */
static void walk(struct vrf_env *env, struct walk *w, uint32_t pc, const struct vrf_hist *h,
		 struct vrf_stored *ck)
{
	while (h && h->kind >= VH_STACK && h->idx == pc)
		h = h->prev;  /* the current instruction's own records */
	for (;;) {
		if (w->all) {
			mark_chain_all(ck);
			return;
		}
		if (bt_empty(&w->bt, w->frame + 1)) /* frames above are always empty */
			return;
		if (!h) {
			if (!ck)
				return;       /* reached the entry: nothing stored above */
			if (pc == ck->pc) {
				if (!mark_ckpt(w, ck) && !w->all)
					return;
				if (w->all)
					continue;
				h = ck->hist;
				ck = ck->parent;
				continue;
			}
		}
		uint32_t prev;
		uint8_t kind = SEQ;
		if (h && h->kind < VH_STACK && h->idx == pc) {
			prev = h->from;
			kind = h->kind;
			h = h->prev;
		} else {
			if (pc == 0) {
				w->all = true; /* inconsistent history: be safe */
				continue;
			}
			prev = pc - 1;
			if (prev > 0 && env->ops[prev] == OP_LDDW_HI)
				prev--;
		}
		const struct vrf_hist *sh = NULL, *lh = NULL;
		for (; h && h->kind >= VH_STACK && h->idx == prev; h = h->prev) {
			if (h->kind == VH_STACK)
				sh = h;
			else
				lh = h;
		}
		back_insn(env, w, prev, kind, sh, lh);
		pc = prev;
	}
}

static void precise(struct vrf_env *env, struct vrf_state *st, const struct vrf_bt *need,
		    uint8_t bit)
{
	struct walk w;
	w.bt = *need;
	w.frame = st->curframe;
	w.all = false;
	w.bit = bit;
	walk(env, &w, st->pc, st->hist, st->ckpt);
}

void vrf_precise(struct vrf_env *env, struct vrf_state *st, const struct vrf_bt *need)
{
	precise(env, st, need, VRF_P_HARD);
}

void vrf_precise_soft(struct vrf_env *env, struct vrf_state *st, const struct vrf_bt *need)
{
	precise(env, st, need, VRF_P_SOFT);
}

void vrf_precise_regs(struct vrf_env *env, struct vrf_state *st, int a, int b)
{
	struct vrf_bt need;
	memset(&need, 0, sizeof need);
	if (a >= 0 && vrf_reg(st, (unsigned)a)->type == VT_SCALAR)
		need.regs[st->curframe] |= (uint16_t)(1u << a);
	if (b >= 0 && vrf_reg(st, (unsigned)b)->type == VT_SCALAR)
		need.regs[st->curframe] |= (uint16_t)(1u << b);
	if (!bt_empty(&need, XBPF_MAX_FRAMES))
		vrf_precise(env, st, &need);
}

void vrf_precise_all(struct vrf_env *env, struct vrf_state *st)
{
	(void)env;
	mark_chain_all(st->ckpt);
}
