/* check.c - the verifier's exploration: abstract interpretation of every path.
 *
 * Algorithm (the kernel's, in outline). A state is run instruction by instruction from
 * the entry; each instruction's transfer function checks it is safe in that state and
 * computes the next state. At a conditional jump whose outcome the state does not decide,
 * the state is split: both copies are narrowed by the condition (sc_refine, null checks,
 * packet ranges), one continues and the other waits on a stack of pending states (depth
 * first). At prune points (jump targets, after branches and calls) the state is compared
 * with states stored there earlier: when a stored state whose whole exploration has
 * completed subsumes it, every path from here was already proven safe and this one stops.
 * Scalars are compared by value only where the stored state's exploration relied on them
 * (precision marks, backtrack.c); a pruned state inherits those marks along its own path.
 * Each state carries its last stored state (ckpt) and the history since (hist).
 * A stored state is complete once every state queued after it was explored; states not
 * yet complete lie on the current path (loops): equality with one of them means the loop
 * makes no progress ("infinite loop detected"). Bounded loops simply unroll, up to the
 * complexity limit (instructions processed) and the memory limit.
 */
#include <string.h>
#include "vrf.h"

#define MAX_STORED_PER_INSN 256    /* states kept per insn (at callback calls: complete ones) */
#define MAX_LISTED_PER_INSN 16384  /* all states (complete or not) listed per insn */
#define FULL_STORE_EVERY 64 /* instructions between checkpoints at an insn whose list is full */

uint32_t vrf_new_id(struct vrf_env *env)
{
	return ++env->next_id;
}

struct vrf_frame *vrf_cur(struct vrf_state *st)
{
	return st->frames[st->curframe];
}

struct vrf_reg *vrf_reg(struct vrf_state *st, unsigned r)
{
	return &st->frames[st->curframe]->regs[r];
}

int vrf_check_read(struct vrf_env *env, struct vrf_state *st, unsigned r)
{
	if (vrf_reg(st, r)->type != VT_NOT_INIT)
		return 0;
	char hint[160];
	snprintf(hint, sizeof hint, "r%u is read before anything was written to it on this "
		 "path%s", r, r >= 1 && r <= 5 ? " (helper and function calls clobber r1-r5)" : "");
	return vrf_reject(env, st, -EACCES, hint, "R%u !read_ok", r);
}

static void *grow(struct vrf_env *env, void *arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *n = vrf_alloc(env, ncap * elem);
	if (!n)
		return NULL;
	if (arr)
		memcpy(n, arr, *cap * elem);
	vrf_free(env, arr, *cap * elem);
	*cap = ncap;
	return n;
}

int vrf_push(struct vrf_env *env, struct vrf_state *st)
{
	if (env->npending == env->cappending) {
		void *n = grow(env, env->pending, &env->cappending, sizeof *env->pending);
		if (!n) {
			vrf_state_free(env, st);
			return vrf_reject(env, NULL, -ENOMEM, "the program has too many open paths "
					  "for the memory limit", "out of memory");
		}
		env->pending = n;
	}
	env->pending[env->npending++] = st;
	return 0;
}

/* Path node for the explanation of a rejection. */
static const struct vrf_path *path_add(struct vrf_env *env, const struct vrf_path *prev,
				       uint32_t pc, bool taken)
{
	struct vrf_path *p = vrf_arena_alloc(env, sizeof *p);
	if (!p)
		return prev; /* explanations lose detail, verification goes on */
	p->prev = prev;
	p->pc = pc;
	p->taken = taken;
	return p;
}

/* ---- pruning ---- */

static void complete_states(struct vrf_env *env, size_t depth)
{
	while (env->nincomplete && env->incomplete[env->nincomplete - 1]->depth >= depth) {
		struct vrf_stored *s = env->incomplete[--env->nincomplete];
		s->complete = true;
		if (s->unlisted) {  /* no walk passes a complete state: its marks are moot */
			vrf_state_free(env, s->st);
			s->st = NULL;
			s->next = env->evicted;
			env->evicted = s;
		}
	}
}

/* A callback came back to its helper call in a state the previous iteration's (old,
 * still being explored) does not cover: scalars that differ and that no check has relied
 * on so far become unknown, so that the iterations converge (as the kernel does). */
static void widen_reg(const struct vrf_reg *o, struct vrf_reg *c)
{
	if (o->type == VT_SCALAR && c->type == VT_SCALAR && !(o->precise & VRF_P_HARD) &&
	    !(sc_includes(&o->v, &c->v) && sc_includes(&c->v, &o->v)))
		vrf_mark_unknown(c);
}

static void widen(const struct vrf_state *old, struct vrf_state *cur)
{
	if (old->curframe != cur->curframe)
		return;
	for (int i = 0; i <= cur->curframe; i++) {
		const struct vrf_frame *of = old->frames[i];
		struct vrf_frame *cf = cur->frames[i];
		if (of->callsite != cf->callsite)
			return;
		for (int r = 0; r < XBPF_NREGS; r++)
			widen_reg(&of->regs[r], &cf->regs[r]);
		for (int k = 0; k < of->nslots && k < cf->nslots; k++)
			if (of->slots[k].kind[0] == SB_SPILL && cf->slots[k].kind[0] == SB_SPILL)
				widen_reg(&of->slots[k].spill, &cf->slots[k].spill);
	}
}

/* st is covered by stored s: its path relies on what s's exploration relied on. */
static int pruned(struct vrf_env *env, struct vrf_stored *s, struct vrf_state *st,
		  const struct vrf_bt need[2])
{
	s->hits++;
	vrf_precise(env, st, &need[0]);
	vrf_precise_soft(env, st, &need[1]);
	vrf_state_free(env, st);
	return 1;
}

static void evict(struct vrf_env *env, struct vrf_stored *s)
{
	vrf_state_free(env, s->st);
	s->st = NULL;
	s->next = env->evicted;
	env->evicted = s;
}

/* Take *pp, the oldest state (or oldest complete state) of a full list, out of it.
 * Exploration is depth first: the states pending are siblings of the most recent
 * branches, so the newest stored states are the likeliest to cover them (keeping the
 * oldest instead, a long loop's first iterations, made the later iterations' joins
 * unprunable: paths doubled at each one). A complete state is evicted; one still being
 * explored stays a link of its checkpoint chain, unlisted. */
static void drop_stored(struct vrf_env *env, struct vrf_stored **pp)
{
	struct vrf_stored *s = *pp;
	*pp = s->next;
	s->next = NULL;
	if (s->complete)
		evict(env, s); /* relinks s->next into the evicted list */
	else
		s->unlisted = true;
}

/* Store a copy of st at its insn as a new checkpoint of its path. */
static void store(struct vrf_env *env, struct vrf_state *st)
{
	struct vrf_stored *s = vrf_alloc(env, sizeof *s);
	struct vrf_state *copy = s ? vrf_state_copy(env, st) : NULL;
	if (!copy) {
		vrf_free(env, s, sizeof *s);
		return; /* no memory to store: explore without pruning here */
	}
	if (env->nincomplete == env->capincomplete) {
		void *a = grow(env, env->incomplete, &env->capincomplete, sizeof *env->incomplete);
		if (!a) {
			vrf_state_free(env, copy);
			vrf_free(env, s, sizeof *s);
			return;
		}
		env->incomplete = a;
	}
	st->since_store_insns = st->since_store_jmps = 0;
	s->st = copy;
	s->parent = st->ckpt;
	s->hist = st->hist;
	s->pc = st->pc;
	st->ckpt = s;
	st->hist = NULL;
	s->depth = (uint32_t)env->npending;
	s->next = env->stored[st->pc];
	env->stored[st->pc] = s;
	env->incomplete[env->nincomplete++] = s;
	env->states++;
}

/* 1: pruned (st freed), 0: go on, <0: error. */
static int visit(struct vrf_env *env, struct vrf_state *st)
{
	unsigned n = 0, ncomplete = 0;
	bool cb_return = st->cb_return, widened = false;
	struct vrf_bt need[2];
	struct vrf_stored **lastpp = NULL;   /* the link to the oldest state kept */
	struct vrf_stored **lastcpp = NULL;  /* the link to the oldest complete state kept */
	st->cb_return = 0;
	for (struct vrf_stored **pp = &env->stored[st->pc], *s; (s = *pp) != NULL;) {
		if (s->complete) {
			if (vrf_state_covers(env, s->st, st, false, need))
				return pruned(env, s, st, need);
			if (++s->misses > s->hits * 3 + 3) { /* rarely useful: forget it */
				*pp = s->next;
				evict(env, s);
				continue;
			}
			lastcpp = pp;
			ncomplete++;
		} else if (cb_return) {
			/* the helper bounds its callback's iterations: an iteration adding no new
			 * states is covered by the one in progress (whose marks are not final:
			 * every scalar compares by value) */
			if (vrf_state_covers(env, s->st, st, true, need))
				return pruned(env, s, st, need);
			if (!widened) {
				widen(s->st, st);
				widened = true;
			}
		} else if (vrf_state_subsumes(env, s->st, st, true)) {
			return vrf_reject(env, st, -EACCES, "the loop's state does not change between "
					  "iterations, so it may never end: give it a bound the "
					  "verifier can see", "infinite loop detected at insn %u", st->pc);
		}
		lastpp = pp;
		pp = &s->next;
		n++;
	}
	/* store sparsely (as the kernel does), but always at loop heads */
	if (env->prune[st->pc] < VRF_PRUNE_LOOP && st->since_store_insns < 1)
		return 0;
	/* enough states here: store one only now and then (as a link of the checkpoint chain
	 * that keeps the history short: precision walks stop at checkpoints), in place of the
	 * oldest. At a helper call running a callback, the states still being explored are
	 * not counted (only a list longer than MAX_LISTED_PER_INSN loses its oldest): they
	 * are the callback's earlier calls, each covering the pending siblings of its own
	 * iteration (bpf_loop(1000, ...) needs all 1000: dropping the first ones left their
	 * siblings to run every remaining iteration again). Elsewhere a state being
	 * explored prunes nothing: it only detects infinite loops. */
	bool cb_site = env->prune[st->pc] == VRF_PRUNE_CALLBACK;
	bool full = (cb_site ? ncomplete : n) >= MAX_STORED_PER_INSN;
	if (full && st->since_store_insns < FULL_STORE_EVERY)
		return 0;
	if (full && cb_site)
		drop_stored(env, lastcpp);
	else if (full || n >= MAX_LISTED_PER_INSN)
		drop_stored(env, lastpp);
	store(env, st);
	return 0;
}

/* ---- conditional jumps ---- */

static enum sc_cmp cmp_op(uint16_t op)
{
	switch (XBPF_OP(isa_table[op].code)) {
	case XBPF_JEQ: return SC_JEQ;
	case XBPF_JNE: return SC_JNE;
	case XBPF_JGT: return SC_JGT;
	case XBPF_JGE: return SC_JGE;
	case XBPF_JLT: return SC_JLT;
	case XBPF_JLE: return SC_JLE;
	case XBPF_JSGT: return SC_JSGT;
	case XBPF_JSGE: return SC_JSGE;
	case XBPF_JSLT: return SC_JSLT;
	case XBPF_JSLE: return SC_JSLE;
	default: return SC_JSET;
	}
}

struct id_val {
	uint32_t id;
	const struct vrf_reg *src;
	bool is_null;
	uint32_t range;
	uint8_t type;
};

static void set_scalar_id(struct vrf_reg *r, void *arg)
{
	struct id_val *iv = arg;
	if (r->type == VT_SCALAR && r->id == iv->id)
		r->v = iv->src->v;
}

/* Narrow the scalars of a state for the branch `taken`; false when infeasible. */
static bool refine_scalars(struct vrf_state *st, const struct xbpf_insn *in, enum sc_cmp cmp,
			   bool is64, bool taken, const struct vrf_reg *imm)
{
	struct vrf_reg *d = vrf_reg(st, in->dst_reg);
	struct vrf_reg *s = imm ? NULL : vrf_reg(st, in->src_reg);
	struct vrf_scalar a = d->v, b = s ? s->v : imm->v;
	if (!sc_refine(cmp, taken, &a, &b, is64))
		return false;
	d->v = a;
	if (s)
		s->v = b;
	struct id_val iv = {d->id, d, false, 0, 0};
	if (d->id)
		vrf_for_each_reg(st, set_scalar_id, &iv);
	if (s && s->id) {
		iv.id = s->id;
		iv.src = s;
		vrf_for_each_reg(st, set_scalar_id, &iv);
	}
	return true;
}

static void mark_null(struct vrf_reg *r, void *arg)
{
	struct id_val *iv = arg;
	if (!r->maybe_null || r->id != iv->id)
		return;
	if (iv->is_null)
		vrf_mark_const(r, 0);
	else
		r->maybe_null = 0;
}

static void null_branch(struct vrf_env *env, struct vrf_state *st, uint32_t id, bool is_null)
{
	struct id_val iv = {id, NULL, is_null, 0, 0};
	uint32_t ref = 0;
	/* a NULL reservation holds nothing: drop its reference */
	for (int r = 0; r < XBPF_NREGS && is_null && !ref; r++) {
		struct vrf_reg *x = vrf_reg(st, (unsigned)r);
		if (x->maybe_null && x->id == id)
			ref = x->ref;
	}
	vrf_for_each_reg(st, mark_null, &iv);
	if (ref)
		vrf_ref_release(env, st, ref);
}

static void set_range(struct vrf_reg *r, void *arg)
{
	struct id_val *iv = arg;
	if (r->type == iv->type && r->id == iv->id && r->range < (int32_t)iv->range)
		r->range = (int32_t)iv->range;
}

static void learn_range(struct vrf_state *st, const struct vrf_reg *p)
{
	if (p->off < 0 || p->v.smin < 0 || p->v.umax + (uint64_t)p->off > VRF_MAX_PACKET_OFF)
		return;
	struct id_val iv = {p->id, NULL, false, (uint32_t)p->off, p->type};
	vrf_for_each_reg(st, set_range, &iv);
}

/* Which branch of `dst op src` proves dst (pointer) <= src (its limit)? 1 taken, 0 fall
 * through, -1 none. swapped: the limit is dst. */
static int range_branch(enum sc_cmp cmp, bool swapped)
{
	switch (cmp) {
	case SC_JGT: case SC_JGE: return swapped ? 1 : 0;
	case SC_JLT: case SC_JLE: return swapped ? 0 : 1;
	default: return -1;
	}
}

static int cond_pointers(struct vrf_env *env, struct vrf_state *st, struct vrf_state *other,
			 enum sc_cmp cmp, bool is64, const struct vrf_reg *imm)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	struct vrf_reg *d = vrf_reg(st, in->dst_reg);
	const struct vrf_reg *s = imm ? imm : vrf_reg(st, in->src_reg);
	/* null check: ptr ==/!= 0 */
	bool zero = s->type == VT_SCALAR && sc_is_const(&s->v) && s->v.t.value == 0;
	if (is64 && zero && d->maybe_null && (cmp == SC_JEQ || cmp == SC_JNE)) {
		uint32_t id = d->id;
		if (!imm)
			vrf_precise_regs(env, st, in->src_reg, -1);
		null_branch(env, other, id, cmp == SC_JEQ);
		null_branch(env, st, id, cmp != SC_JEQ);
		return 0;
	}
	if (!is64 || s->type == VT_SCALAR || d->type == VT_SCALAR)
		return 0;
	const struct vrf_reg *p = NULL;
	bool swapped = false;
	if ((d->type == VT_PKT && s->type == VT_PKT_END) || (d->type == VT_PKT_META && s->type == VT_PKT)) {
		p = d;
	} else if ((s->type == VT_PKT && d->type == VT_PKT_END) ||
		   (s->type == VT_PKT_META && d->type == VT_PKT)) {
		p = s;
		swapped = true;
	}
	int br = p ? range_branch(cmp, swapped) : -1;
	if (br < 0)
		return 0;
	struct vrf_reg copy = *p;
	learn_range(br ? other : st, &copy);
	return 0;
}

/* Decide the branch of a comparison that involves a pointer: 1/0 known, -1 unknown. */
static int pointer_branch(const struct vrf_reg *d, const struct vrf_reg *s, enum sc_cmp cmp,
			  bool is64)
{
	bool zero = s->type == VT_SCALAR && sc_is_const(&s->v) && s->v.t.value == 0;
	if (!is64 || !zero || d->maybe_null || !vrf_is_ptr(d))
		return -1;
	if (cmp == SC_JEQ)
		return 0;
	if (cmp == SC_JNE)
		return 1;
	return -1;
}

int vrf_check_cond(struct vrf_env *env, struct vrf_state *st, uint32_t *next)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	bool is64 = isa_is_64(env->op), xform = isa_table[env->op].form == FORM_JCOND_X;
	enum sc_cmp cmp = cmp_op(env->op);
	uint32_t target = (uint32_t)isa_target(env->op, in, env->pc);
	struct vrf_reg imm;
	int err, br;
	if ((err = vrf_check_read(env, st, in->dst_reg)) ||
	    (xform && (err = vrf_check_read(env, st, in->src_reg))))
		return err;
	vrf_mark_const(&imm, (uint64_t)(int64_t)in->imm);
	struct vrf_reg *d = vrf_reg(st, in->dst_reg);
	const struct vrf_reg *s = xform ? vrf_reg(st, in->src_reg) : &imm;
	bool scalars = d->type == VT_SCALAR && s->type == VT_SCALAR;
	if (scalars)
		br = sc_branch(cmp, &d->v, &s->v, is64);
	else
		br = pointer_branch(d, s, cmp, is64);
	if (br >= 0) {
		/* the value decided the branch: it must stay what it is in pruned states */
		if (scalars || (xform && s->type == VT_SCALAR))
			vrf_precise_regs(env, st, scalars ? in->dst_reg : -1, xform ? in->src_reg : -1);
		*next = br ? target : env->pc + 1;
		return 0;
	}
	if (scalars && (d->id || (xform && s->id)))
		vrf_hist_link(env, st, d->id, xform ? s->id : 0, in->dst_reg, xform ? in->src_reg : -1);
	struct vrf_bt links;
	if (scalars)  /* before refining: an infeasible branch makes them all matter */
		vrf_links(st, d->id, xform ? s->id : 0, &links);
	struct vrf_state *other = vrf_state_copy(env, st);
	if (!other)
		return vrf_reject(env, st, -ENOMEM, "the analysis ran out of memory", "out of memory");
	bool ok_taken = true, ok_fall = true;
	if (scalars) {
		ok_taken = refine_scalars(other, in, cmp, is64, true, xform ? NULL : &imm);
		ok_fall = refine_scalars(st, in, cmp, is64, false, xform ? NULL : &imm);
		if (!ok_taken || !ok_fall) {
			links.regs[st->curframe] |= (uint16_t)(1u << in->dst_reg);
			if (xform)
				links.regs[st->curframe] |= (uint16_t)(1u << in->src_reg);
			vrf_precise(env, st, &links);
		}
	} else {
		cond_pointers(env, st, other, cmp, is64, xform ? NULL : &imm);
	}
	other->pc = target;
	vrf_hist_jump(env, other, env->pc, target, VH_JUMP);
	other->path = path_add(env, st->path, env->pc, true);
	if (ok_fall)
		st->path = path_add(env, st->path, env->pc, false);
	if (ok_taken) {
		if ((err = vrf_push(env, other)))
			return err;
	} else {
		vrf_state_free(env, other);
	}
	*next = ok_fall ? env->pc + 1 : UINT32_MAX;
	return 0;
}

/* ---- the main loop ---- */

static int step(struct vrf_env *env, struct vrf_state *st, uint32_t *next)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	*next = env->pc + 1;
	switch (isa_table[env->op].form) {
	case FORM_ALU_K: case FORM_ALU_X: case FORM_NEG: case FORM_MOVSX: case FORM_END:
		return vrf_check_alu(env, st);
	case FORM_LDX:
		return vrf_check_load(env, st);
	case FORM_ST: case FORM_STX:
		return vrf_check_store(env, st);
	case FORM_ATOMIC:
		return vrf_check_atomic(env, st);
	case FORM_LDDW:
		*next = env->pc + 2;
		return vrf_check_lddw(env, st);
	case FORM_LDABS: case FORM_LDIND:
		return vrf_check_ldabs(env, st);
	case FORM_JA: case FORM_JA32:
		*next = (uint32_t)isa_target(env->op, in, env->pc);
		return 0;
	case FORM_JCOND_K: case FORM_JCOND_X:
		return vrf_check_cond(env, st, next);
	case FORM_CALL:
		return vrf_check_helper(env, st);
	case FORM_CALL_LOCAL:
		return vrf_check_local_call(env, st, next);
	case FORM_EXIT:
		return vrf_check_exit(env, st, next);
	default:
		return vrf_reject(env, st, -EINVAL, "this instruction cannot be verified",
				  "unsupported instruction");
	}
}

static void record_jump(struct vrf_env *env, struct vrf_state *st, uint32_t pc, uint32_t next,
			bool in_cb)
{
	uint8_t form = isa_table[env->op].form;
	enum vrf_hist_kind k = VH_JUMP;
	if (form == FORM_CALL_LOCAL)
		k = VH_CALL;
	else if (form == FORM_EXIT)
		k = in_cb ? VH_CBRET : VH_RET;
	vrf_hist_jump(env, st, pc, next, k);
}

/* Run one state until its path ends. Frees st. */
static int run_path(struct vrf_env *env, struct vrf_state *st)
{
	for (;;) {
		uint32_t next, pc = st->pc;
		int err;
		if (pc >= env->cnt) {
			env->pc = pc ? pc - 1 : 0;
			err = vrf_reject(env, st, -EACCES, "every path must end in exit",
					 "program can fall off its end");
			vrf_state_free(env, st);
			return err;
		}
		env->pc = pc;
		env->op = env->ops[pc];
		if (++env->insns_processed > env->max_insns) {
			err = vrf_reject(env, st, -E2BIG, "too many paths or loop iterations: bound "
					 "loops tighter or split the program (tail calls)",
					 "program is too complex: more than %llu instructions processed",
					 (unsigned long long)env->max_insns);
			vrf_state_free(env, st);
			return err;
		}
		if (env->prune[pc]) {
			err = visit(env, st);
			if (err == 1)
				return 0;
			if (err < 0) {
				vrf_state_free(env, st);
				return err;
			}
		}
		st->since_store_insns++;
		if (isa_is_jump(env->op))
			st->since_store_jmps++;
		bool in_cb = st->curframe > 0 && vrf_cur(st)->callback;
		err = step(env, st, &next);
		if (!err && env->hist_oom)
			err = vrf_reject(env, st, -ENOMEM, "the analysis ran out of memory",
					 "out of memory");
		if (!err && next != UINT32_MAX &&
		    next != pc + (isa_table[env->op].form == FORM_LDDW ? 2u : 1u))
			record_jump(env, st, pc, next, in_cb);
		if (!err && env->log_level >= 2)
			vrf_log_insn(env, st, pc);
		if (err || next == UINT32_MAX) {
			vrf_state_free(env, st);
			return err;
		}
		st->pc = next;
	}
}

static void init_state(struct vrf_env *env, struct vrf_state *st)
{
	struct vrf_frame *f = st->frames[0];
	for (int r = 0; r < XBPF_NREGS; r++)
		vrf_mark_not_init(&f->regs[r]);
	struct vrf_reg *r1 = &f->regs[1], *r10 = &f->regs[10];
	r1->v = sc_const(0);
	if (env->prog_type == 0) {  /* raw memory: r1 = mem, r2 = its length */
		r1->type = VT_MEM;
		r1->size = env->opts->mem_size;
		vrf_mark_unknown(&f->regs[2]);
		f->regs[2].v = sc_urange(env->opts->mem_size, env->opts->mem_size);
	} else {
		r1->type = VT_CTX;
	}
	r10->type = VT_STACK;
	r10->v = sc_const(0);
}

int vrf_explore(struct vrf_env *env)
{
	struct vrf_state *st = vrf_state_new(env);
	int err;
	if (!st)
		return vrf_reject(env, NULL, -ENOMEM, "the analysis ran out of memory", "out of memory");
	init_state(env, st);
	if ((err = vrf_push(env, st)))
		return err;
	while (env->npending) {
		complete_states(env, env->npending);
		st = env->pending[--env->npending];
		if ((err = run_path(env, st)))
			return err;
	}
	return 0;
}
