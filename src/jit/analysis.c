/* analysis.c - what the JIT learns about a program before emitting code.
 *
 * Arch-neutral facts per instruction (struct jit_insn) and per function (struct jit_func):
 *  - reachability from every function entry (unreachable code is not emitted);
 *  - block leaders and their slot counts: where body 1 bills the instruction budget, so
 *    that it matches the interpreter's CHARGE() exactly (see jit.h);
 *  - register liveness (interprocedural through local calls), used to drop dead
 *    definitions, to save only the live r1-r5 around helper calls and to zero only the
 *    registers a program reads before writing;
 *  - fusions: the zero/sign-extension pairs clang emits (<<= 32; >>= 32, also through a
 *    copy: x <<= 32; y = x; y >>= 32 with x dead afterwards), a copy and an
 *    add (one lea), a conditional jump over an unconditional one, jumps to the next
 *    instruction;
 *  - constants a source register is known to hold inside a block (so `r2 = 5; r1 += r2`
 *    becomes an immediate operand), and stack accesses proven in bounds.
 *
 * Cost: the analysis runs at every load, so it is a few linear passes that look facts
 * up rather than decide them: a per-operation table (struct opfacts, built once per
 * process), one scan marking leaders, blocks built in one pass with their uses and
 * definitions, reachability and the liveness fixpoint over blocks (not instructions),
 * one backward walk per reachable block (live_out, dead definitions), and one forward
 * pass for fusions, constants and function facts.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "jit.h"

#define ALL_REGS 0x7ffu
#define ARG_REGS 0x3eu   /* r1-r5 */

static bool op_is(uint16_t op, uint8_t form) { return isa_table[op].form == form; }

static bool is_cond_jump(uint16_t op)
{
	return op_is(op, FORM_JCOND_K) || op_is(op, FORM_JCOND_X);
}

static bool is_mov(uint16_t op)
{
	return op == XOP_MOV64_K || op == XOP_MOV64_X || op == XOP_MOV32_K || op == XOP_MOV32_X;
}

static bool is_atomic_fetch(uint16_t op)
{
	return op_is(op, FORM_ATOMIC) && (isa_table[op].imm.value & XBPF_FETCH) &&
	       op != XOP_ATOMIC32_CMPXCHG && op != XOP_ATOMIC64_CMPXCHG;
}

static bool is_cmpxchg(uint16_t op)
{
	return op == XOP_ATOMIC32_CMPXCHG || op == XOP_ATOMIC64_CMPXCHG;
}

/* Facts of each operation, from the instruction table once per process (so the passes
 * below look them up instead of deciding per instruction): its form, flags, and which
 * registers it reads and writes as patterns of P_* (resolved against dst/src per
 * instruction; a local call and exit are resolved by use_def()). */
enum { P_DST = 1, P_SRC = 2, P_R0 = 4, P_ARGS = 8 };
enum { OF_JUMP = 1, OF_COND = 2, OF_ENDS = 4, OF_PURE = 8, OF_NOPABLE = 16, OF_LDX = 32,
       OF_FUSE = 64 /* may start a fusion */, OF_XSRC = 128 /* ALU_X/JCOND_X */ };
enum { OF2_HELPER = 1 /* call/callx */, OF2_CALL = 2 /* any call */,
       OF2_RC = 4 /* always needs the run context */, OF2_MEM = 8 /* ldx/st/stx/atomic */,
       OF2_LOCAL = 16 /* local call */, OF2_LDDW = 32 };
_Static_assert((JI_SAFE_MEM >> 6) == OF2_MEM, "mark_func() shifts JI_SAFE_MEM onto OF2_MEM");
/* What a constant-tracking step learns: dst = imm, (u32)imm, src's value, (u32)src's. */
enum { CK_NONE, CK_IMM, CK_IMM32, CK_SRC, CK_SRC32 };
struct opfacts {
	uint8_t form, flags, use, def;
	uint8_t flags2, ck;
	/* use/def resolved without branches: fixed registers, and all-ones masks selecting
	 * 1 << dst and 1 << src */
	uint16_t ufix, dfix;
	uint16_t udst, usrc, ddst, dsrc;
	uint16_t kfix;            /* constants forgotten besides def: r0-r5 (helper), all */
	uint16_t next_mark;       /* flags the next slot gets: JI_LEADER, JI_SKIP (lddw) */
	uint8_t msize;            /* memory access: its size, else 0 */
	uint8_t mbase_src;        /* memory access: the base is src (ldx), else dst */
	uint8_t malign;           /* memory access: size - 1 when it must be aligned (atomic) */
};
static struct opfacts opf[XOP__COUNT];
static pthread_once_t opf_once = PTHREAD_ONCE_INIT;

static struct opfacts op_facts(uint16_t op)
{
	struct opfacts o = {isa_table[op].form, 0, 0, 0};
	uint8_t u = 0, w = 0;
	switch (o.form) {
	case FORM_ALU_K: u = is_mov(op) ? 0 : P_DST; w = P_DST; break;
	case FORM_ALU_X: u = (uint8_t)((is_mov(op) ? 0 : P_DST) | P_SRC); w = P_DST; break;
	case FORM_NEG: case FORM_END: u = P_DST; w = P_DST; break;
	case FORM_MOVSX: u = P_SRC; w = P_DST; break;
	case FORM_LDX: u = P_SRC; w = P_DST; break;
	case FORM_ST: u = P_DST; break;
	case FORM_STX: u = P_DST | P_SRC; break;
	case FORM_ATOMIC:
		u = P_DST | P_SRC;
		if (is_atomic_fetch(op))
			w = P_SRC;
		if (is_cmpxchg(op)) {
			u |= P_R0;
			w = P_R0;
		}
		break;
	case FORM_LDDW: w = P_DST; break;
	case FORM_LDABS: w = P_R0; break;
	case FORM_LDIND: u = P_SRC; w = P_R0; break;
	case FORM_JCOND_K: u = P_DST; break;
	case FORM_JCOND_X: u = P_DST | P_SRC; break;
	case FORM_CALL: u = P_ARGS; w = P_R0; break;
	case FORM_CALLX: u = P_ARGS | P_SRC; w = P_R0; break;
	default: break;
	}
	o.use = u;
	o.def = w;
	bool jump = isa_is_jump(op);
	o.flags = (uint8_t)((jump ? OF_JUMP : 0) | (is_cond_jump(op) ? OF_COND : 0) |
			    (jump || o.form == FORM_CALL || o.form == FORM_CALLX ||
			     o.form == FORM_CALL_LOCAL || o.form == FORM_EXIT ? OF_ENDS : 0) |
			    (jump && o.form != FORM_CALL_KFUNC ? OF_NOPABLE : 0));
	switch (o.form) {
	case FORM_ALU_K: case FORM_ALU_X: case FORM_NEG: case FORM_END: case FORM_MOVSX:
	case FORM_LDDW:
		o.flags |= OF_PURE;
		break;
	default:
		break;
	}
	if (o.form == FORM_LDX)
		o.flags |= OF_LDX;
	if (o.form == FORM_ALU_X || o.form == FORM_JCOND_X)
		o.flags |= OF_XSRC;
	if (op == XOP_LSH64_K || op == XOP_MOV64_X || is_cond_jump(op))
		o.flags |= OF_FUSE;
	bool helper = o.form == FORM_CALL || o.form == FORM_CALLX;
	o.flags2 = (uint8_t)((helper ? OF2_HELPER : 0) |
			     (helper || o.form == FORM_CALL_LOCAL ? OF2_CALL | OF2_RC : 0) |
			     (o.form == FORM_LDABS || o.form == FORM_LDIND ||
			      o.form == FORM_CALL_KFUNC ? OF2_RC : 0) |
			     (o.form == FORM_LDX || o.form == FORM_ST || o.form == FORM_STX ||
			      o.form == FORM_ATOMIC ? OF2_MEM : 0) |
			     (o.form == FORM_CALL_LOCAL ? OF2_LOCAL : 0) |
			     (op == XOP_LDDW ? OF2_LDDW : 0));
	o.ck = op == XOP_MOV64_K || op == XOP_LDDW ? CK_IMM : op == XOP_MOV32_K ? CK_IMM32 :
	       op == XOP_MOV64_X ? CK_SRC : op == XOP_MOV32_X ? CK_SRC32 : CK_NONE;
	return o;
}

static uint16_t fixed_regs(uint8_t p)
{
	return (uint16_t)((p & P_R0 ? 1u : 0) | (p & P_ARGS ? ARG_REGS : 0));
}

static void opf_init(void)
{
	for (unsigned op = 0; op < XOP__COUNT; op++) {
		struct opfacts *o = &opf[op];
		*o = op_facts((uint16_t)op);
		o->ufix = o->form == FORM_CALL_LOCAL ? ALL_REGS | ARG_REGS : fixed_regs(o->use);
		o->dfix = fixed_regs(o->def);
		bool local = o->form == FORM_CALL_LOCAL;
		o->udst = o->use & P_DST && !local ? 0xffff : 0;
		o->usrc = o->use & P_SRC && !local ? 0xffff : 0;
		o->ddst = o->def & P_DST ? 0xffff : 0;
		o->dsrc = o->def & P_SRC ? 0xffff : 0;
		o->kfix = local ? 0xffff : o->flags2 & OF2_HELPER ? 0x3f : 0;
		o->next_mark = (uint16_t)((o->flags & OF_ENDS ? JI_LEADER : 0) |
					  (op == XOP_LDDW ? JI_SKIP : 0));
		o->msize = o->flags2 & OF2_MEM ? (uint8_t)isa_mem_size((uint16_t)op) : 0;
		o->mbase_src = o->form == FORM_LDX;
		o->malign = o->form == FORM_ATOMIC ? (uint8_t)(o->msize - 1) : 0;
	}
}

/* Registers instruction i reads (uses) and writes (defs), for liveness. A local call:
 * the callee sees every register of the caller; r6-r9 come back unchanged and r0-r5 may
 * or may not be rewritten: it reads all, kills nothing (the liveness refines what it
 * reads with the callee's live-in). */
static inline void use_def(const struct jit_ctx *c, size_t i, const struct opfacts *o,
			   uint16_t *use, uint16_t *def)
{
	const struct vm_dinsn *d = &c->code[i];
	uint16_t dst = (uint16_t)(1u << d->dst), src = (uint16_t)(1u << d->src);
	*use = (uint16_t)(o->ufix | (o->udst & dst) | (o->usrc & src));
	*def = (uint16_t)(o->dfix | (o->ddst & dst) | (o->dsrc & src));
	if (__builtin_expect(o->form == FORM_EXIT, 0))
		*use = c->ins[i].func == 0 ? 1 : 0x3f;
}

static int callee_index(const struct jit_ctx *c, size_t i)
{
	unsigned lo = 0, hi = c->prog->func_cnt;
	uint32_t t = (uint32_t)c->code[i].off;
	while (lo < hi) { /* funcs are sorted by start */
		unsigned mid = (lo + hi) / 2;
		if (c->prog->funcs[mid].start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->prog->func_cnt && c->prog->funcs[lo].start == t ? (int)lo : -1;
}


/* A stack access proven in bounds: r10 + off inside the frame (aligned for atomics).
 * Computed without branches for every instruction (0 when not a memory access). */
static inline uint16_t safe_mem(const struct vm_dinsn *d, const struct opfacts *o)
{
	unsigned base = o->mbase_src ? d->src : d->dst;
	int32_t size = o->msize;
	bool ok = (size != 0) & (base == 10) & (d->off >= -XBPF_STACK_SIZE) & (d->off <= -size) &
		  ((d->off & o->malign) == 0);
	return ok ? JI_SAFE_MEM : 0;
}

/* One pass over the functions' instructions (the validator made the functions cover
 * the program, one after the other): the function of each, function entries, jump
 * targets and block leaders, lddw second slots, stack accesses proven in bounds.
 * Marks meant for no instruction go to the spare entry c->ins[n], cleared at the end. */
static void scan(struct jit_ctx *c)
{
	const struct xbpf_prog *p = c->prog;
	const struct vm_dinsn *code = c->code;
	struct jit_insn *ins = c->ins;
	size_t n = c->n;
	for (unsigned f = 0; f < p->func_cnt; f++) {
		size_t end = p->funcs[f].end < n ? p->funcs[f].end : n;
		if (p->funcs[f].start < n)
			ins[p->funcs[f].start].flags |= JI_LEADER;
		/* the next slot's marks are carried in a register and a non-jump marks its own
		 * slot with nothing, so that no store feeds the next iteration's load */
		uint16_t carry = 0;
		for (size_t i = p->funcs[f].start; i < end; i++) {
			const struct vm_dinsn *d = &code[i];
			ins[i].func = (uint16_t)f;
			if (d->op == XOP_INVALID) {
				ins[i].flags |= carry;
				carry = 0;
				continue;
			}
			const struct opfacts *o = &opf[d->op];
			bool jump = (o->flags & OF_JUMP) && (size_t)d->off < n;
			ins[i].flags |= (uint16_t)(carry | safe_mem(d, o));
			carry = o->next_mark;
			ins[jump ? (size_t)d->off : i].flags |= jump ? JI_TARGET | JI_LEADER : 0;
		}
		ins[end].flags |= carry;
	}
	ins[n] = (struct jit_insn){0};
}

/* Reachability and liveness work on blocks: a leader, or the instruction after one that
 * does not simply fall through, up to the next such start. Each block's successors and
 * upward-exposed uses (gen) and definitions (kill) are computed once; reachability is a
 * walk over blocks from the function entries; the liveness fixpoint runs over blocks,
 * then one backward walk per reachable block gives every instruction's live_out. A local
 * call ends its block; what it reads (the callee's live-in, which the fixpoint refines,
 * and r1-r5) is applied at the block's end. */
struct blk {
	uint32_t first, last;      /* instruction range */
	uint32_t succ[2];          /* successor blocks */
	uint8_t nsucc;
	uint8_t reach;
	int16_t callee;            /* ends with a local call to this function (-2: none) */
	uint16_t gen, kill, in, out;
	uint16_t entry;            /* 1 + the function it is the entry of, 0 none */
	uint8_t back;              /* a successor of itself or of a later block */
};

static uint16_t call_use(const struct blk *b, const uint16_t *func_in)
{
	if (b->callee == -2)
		return 0;
	return (uint16_t)((b->callee >= 0 ? func_in[b->callee] : ALL_REGS) | ARG_REGS);
}

/* Successor instructions of the last instruction i of a block; returns their count. */
static int successors(const struct jit_ctx *c, size_t i, uint32_t succ[2])
{
	const struct vm_dinsn *d = &c->code[i];
	const struct opfacts *o = &opf[d->op];
	if (o->form == FORM_EXIT || o->form == FORM_CALL_KFUNC)
		return 0;
	if (o->form == FORM_JA || o->form == FORM_JA32) {
		succ[0] = (uint32_t)d->off;
		return 1;
	}
	int n = 0;
	size_t next = i + jit_slots(d);
	if (next < c->n)
		succ[n++] = (uint32_t)next;
	if (o->flags & OF_COND)
		succ[n++] = (uint32_t)d->off;
	return n;
}

/* Does instruction i (valid) end its block whatever follows? */
static bool ends_block(const struct jit_ctx *c, size_t i, const struct opfacts *o)
{
	return (o->flags & OF_ENDS) || o->form == FORM_CALL_KFUNC ||
	       (o->flags & OF_NOPABLE && (size_t)c->code[i].off != i + 1);
}

/* Split the valid code into blocks (blk_of[i] = block starting at i), count the slots
 * of each leader's straight-line block (budget billing: every valid instruction counts
 * for the last leader before it), and note every valid instruction's registers
 * (ud[i] = uses | defs << 16). Returns the block count. */
static size_t make_blocks(struct jit_ctx *c, struct blk *bl, uint32_t *blk_of, uint32_t *ud,
			  uint32_t *last_call)
{
	const struct vm_dinsn *code = c->code;
	struct jit_insn *ins = c->ins;
	size_t n = c->n, nb = 0, leader = 0;
	unsigned slots = 0;
	uint16_t gen = 0, kill = 0; /* of block b, kept here until it ends */
	bool open = false;
	struct blk *b = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct vm_dinsn *d = &code[i];
		if (d->op == XOP_INVALID)
			continue;
		bool lead = ins[i].flags & JI_LEADER;
		if (lead) {
			ins[leader].slots = (uint16_t)(ins[leader].slots + slots);
			leader = i;
			slots = 0;
		}
		slots += jit_slots(d);
		if (!open || lead) {
			if (b) {
				b->gen = gen;
				b->kill = kill;
			}
			b = &bl[nb];
			*b = (struct blk){.first = (uint32_t)i, .callee = -2};
			blk_of[i] = (uint32_t)nb++;
			gen = kill = 0;
			open = true;
		}
		const struct opfacts *o = &opf[d->op];
		uint16_t use, def;
		use_def(c, i, o, &use, &def);
		ud[i] = use | (uint32_t)def << 16;
		b->last = (uint32_t)i;
		if (o->form == FORM_CALL_LOCAL) {
			b->callee = (int16_t)callee_index(c, i);
			if (b->callee >= 0)
				last_call[b->callee] = (uint32_t)(nb - 1); /* the last so far */
			open = false;
			continue;
		}
		/* upward-exposed uses and definitions, forwards */
		gen |= use & (uint16_t)~kill;
		kill |= def;
		if (ends_block(c, i, o))
			open = false;
	}
	if (b) {
		b->gen = gen;
		b->kill = kill;
	}
	ins[leader].slots = (uint16_t)(ins[leader].slots + slots);
	return nb;
}

/* Block of instruction t if one starts there, else -1 (t may be any index). */
static int64_t block_at(const struct jit_ctx *c, const struct blk *bl, size_t nb,
			const uint32_t *blk_of, uint32_t t)
{
	if (t >= c->n || c->code[t].op == XOP_INVALID)
		return -1;
	uint32_t k = blk_of[t];
	return k < nb && bl[k].first == t ? (int64_t)k : -1;
}

/* Successor blocks, then reachability from every function entry: one forward sweep over
 * the blocks, then a depth-first walk from the targets of backward jumps that the sweep
 * had already passed (live_outs() marks their instructions JI_REACH). */
static void reach_blocks(struct jit_ctx *c, struct blk *bl, size_t nb, const uint32_t *blk_of,
			 uint32_t *stack)
{
	size_t top = 0;
	for (size_t k = 0; k < nb; k++) {
		uint32_t s[2];
		int ns = successors(c, bl[k].last, s), m = 0;
		for (int j = 0; j < ns; j++) {
			int64_t t = block_at(c, bl, nb, blk_of, s[j]);
			if (t >= 0) {
				bl[k].succ[m++] = (uint32_t)t;
				bl[t].back |= (size_t)t <= k;
			}
		}
		bl[k].nsucc = (uint8_t)m;
		for (; m < 2; m++)
			bl[k].succ[m] = (uint32_t)nb; /* the empty block below: no branch in the fixpoint */
	}
	bl[nb] = (struct blk){.callee = -2};
	for (unsigned f = 0; f < c->prog->func_cnt; f++) {
		int64_t k = block_at(c, bl, nb, blk_of, c->prog->funcs[f].start);
		if (k >= 0) {
			bl[k].reach = 1;
			bl[k].entry = (uint16_t)(f + 1);
		}
	}
	for (size_t k = 0; k < nb; k++) {
		if (!bl[k].reach)
			continue;
		for (int j = 0; j < bl[k].nsucc; j++) {
			uint32_t t = bl[k].succ[j];
			if (!bl[t].reach) {
				bl[t].reach = 1;
				if (t < k)
					stack[top++] = t; /* behind the sweep: walk it below */
			}
		}
	}
	while (top) {
		const struct blk *b = &bl[stack[--top]];
		for (int j = 0; j < b->nsucc; j++) {
			uint32_t t = b->succ[j];
			if (!bl[t].reach) {
				bl[t].reach = 1;
				stack[top++] = t;
			}
		}
	}
}

/* Fixpoint over the reachable blocks, backwards, and the functions' live-ins (the least
 * one, as any order of updates from nothing reaches it). A sweep goes from the last block
 * to the first, so a block sees this sweep's live-ins of the blocks after it and of the
 * functions whose entries are after it; another sweep is needed only when a live-in
 * changes that a block already passed reads: a block that follows itself or a later block
 * (a backward jump), or a function's entry called from it or a later block. Programs
 * without loops or backward calls settle in one sweep. */
static void blocks_fixpoint(struct blk *bl, size_t nb, uint16_t *func_in,
			    const uint32_t *last_call)
{
	for (bool again = true; again;) {
		again = false;
		for (size_t k = nb; k-- > 0;) {
			struct blk *b = &bl[k];
			if (!b->reach)
				continue;
			/* a missing successor is block nb, which is empty (in = 0) */
			uint16_t out = bl[b->succ[0]].in | bl[b->succ[1]].in;
			uint16_t in = (uint16_t)(b->gen | ((out | call_use(b, func_in)) & ~b->kill));
			b->out = out;
			if (in == b->in)
				continue;
			b->in = in;
			again |= b->back;
			if (b->entry) {
				func_in[b->entry - 1] = in;
				again |= last_call[b->entry - 1] >= k;
			}
		}
	}
}


/* The flags a reachable instruction gains once its live_out is known: JI_REACH, and
 * JI_SKIP for a dead definition (its only effect is writing dst, it cannot fault, and dst
 * is not live after it) or JI_NOP for a jump to the next instruction. Computed from the
 * flags and live_out in registers (one load and one store of the entry). */
static inline uint16_t reach_flags(const struct vm_dinsn *d, const struct opfacts *o, size_t i,
				   uint16_t flags, uint16_t live, bool checks)
{
	/* without branches: which instructions these are does not follow a pattern */
	bool pure = ((o->flags & OF_PURE) != 0) |
		    (((o->flags & OF_LDX) != 0) & (!checks | ((flags & JI_SAFE_MEM) != 0)));
	bool dead = !(live >> d->dst & 1) & pure;
	bool nop = ((o->flags & OF_NOPABLE) != 0) & ((size_t)d->off == i + 1);
	return (uint16_t)(JI_REACH | (dead ? JI_SKIP : 0) | (nop ? JI_NOP : 0));
}

/* Every reachable instruction's JI_REACH and live_out (and, on the way, its dead
 * definition or jump to the next instruction), one backward walk per reachable block. */
static void live_outs(struct jit_ctx *c, const struct blk *bl, size_t nb,
		      const uint16_t *func_in, const uint32_t *ud)
{
	const struct vm_dinsn *code = c->code;
	struct jit_insn *ins = c->ins;
	bool checks = c->checks;
	for (size_t k = 0; k < nb; k++) {
		if (!bl[k].reach)
			continue;
		uint16_t live = bl[k].out;
		for (size_t i = bl[k].last + 1; i-- > bl[k].first;) {
			const struct vm_dinsn *d = &code[i];
			if (d->op == XOP_INVALID)
				continue;
			const struct opfacts *o = &opf[d->op];
			uint16_t flags = ins[i].flags;
			ins[i].live_out = live;
			ins[i].flags = flags | reach_flags(d, o, i, flags, live, checks);
			uint16_t use = (uint16_t)ud[i], def = (uint16_t)(ud[i] >> 16);
			if (o->form == FORM_CALL_LOCAL)
				use = call_use(&bl[k], func_in);
			live = (uint16_t)(use | (live & ~def));
		}
	}
}

/* Reachability, then backward liveness to a fixpoint across functions, and main's
 * live-in. */
static int reach_and_liveness(struct jit_ctx *c, uint32_t *ud)
{
	unsigned nf = c->prog->func_cnt;
	/* per function: the last block calling it, then its live-in */
	uint32_t *last_call = calloc(nf + 1, sizeof *last_call + sizeof(uint16_t));
	uint16_t *func_in = last_call ? (uint16_t *)(last_call + nf + 1) : NULL;
	size_t bl_cap, of_cap, st_cap;
	struct blk *bl = jit_scratch_take(SCR_LIVE, (c->n + 1) * sizeof *bl, &bl_cap);
	uint32_t *blk_of = jit_scratch_take(SCR_ORDER, (c->n + 1) * sizeof *blk_of, &of_cap);
	uint32_t *stack = jit_scratch_take(SCR_REACH, (c->n + 1) * sizeof *stack, &st_cap);
	int err = func_in && bl && blk_of && stack ? 0 : -ENOMEM;
	if (!err) {
		size_t nb = make_blocks(c, bl, blk_of, ud, last_call);
		reach_blocks(c, bl, nb, blk_of, stack);
		blocks_fixpoint(bl, nb, func_in, last_call);
		live_outs(c, bl, nb, func_in, ud);
		int64_t k0 = block_at(c, bl, nb, blk_of, c->prog->funcs[0].start);
		c->main_live_in = k0 >= 0 ? bl[k0].in : 0;
		/* zeroing a register at entry counts as writing it (it must be saved) */
		c->fn[0].writes |= c->main_live_in & 0x3c0u;
	}
	free(last_call);
	jit_scratch_give(SCR_LIVE, bl, bl_cap);
	jit_scratch_give(SCR_ORDER, blk_of, of_cap);
	jit_scratch_give(SCR_REACH, stack, st_cap);
	return err;
}

static void mark_fusions(struct jit_ctx *c, size_t i, uint8_t f, uint8_t flags)
{
	if (!(flags & OF_FUSE))
		return;
	const struct vm_dinsn *d = &c->code[i], *e = d + 1;
	struct jit_insn *a = &c->ins[i], *b = a + 1;
	if (i + 1 >= c->n || (a->flags & JI_SKIP) || (b->flags & (JI_SKIP | JI_TARGET)) ||
	    !(b->flags & JI_REACH))
		return;
	if (d->op == XOP_LSH64_K && d->imm == 32 && e->dst == d->dst && e->imm == 32 &&
	    (e->op == XOP_RSH64_K || e->op == XOP_ARSH64_K)) {
		a->flags |= e->op == XOP_RSH64_K ? JI_FUSE_ZEXT : JI_FUSE_SEXT;
		b->flags |= JI_SKIP;
	} else if (d->op == XOP_LSH64_K && d->imm == 32 && i + 2 < c->n && e->op == XOP_MOV64_X &&
		   e->src == d->dst && e->dst != d->dst && !(b->live_out >> d->dst & 1) &&
		   e[1].dst == e->dst && e[1].imm == 32 &&
		   (e[1].op == XOP_RSH64_K || e[1].op == XOP_ARSH64_K) &&
		   !(b[1].flags & (JI_SKIP | JI_TARGET))) {
		a->flags |= e[1].op == XOP_RSH64_K ? JI_FUSE_ZEXT3 : JI_FUSE_SEXT3;
		b->flags |= JI_SKIP;
		b[1].flags |= JI_SKIP;
	} else if (d->op == XOP_MOV64_X && d->src != d->dst && e->dst == d->dst &&
		   (e->op == XOP_ADD64_X || (e->op == XOP_ADD64_K && !c->blind))) {
		a->flags |= JI_FUSE_LEA;
		b->flags |= JI_SKIP;
	} else if ((f == FORM_JCOND_K || f == FORM_JCOND_X) && (size_t)d->off == i + 2 &&
		   (e->op == XOP_JA || e->op == XOP_JA32)) {
		a->flags |= JI_FUSE_JNOT;
	}
}

/* Forward constant tracking inside blocks, one instruction at a time (all of them, in
 * order: leaders forget what is known). */
struct consts {
	uint16_t known;
	int64_t val[XBPF_NREGS];
};

/* What the forward pass knows of one reachable instruction. */
struct node {
	const struct vm_dinsn *d;
	struct jit_insn *in;
	const struct opfacts *o;
	int64_t *cval;
	uint16_t use, def;
};

static inline void track_constant(const struct node *x, struct consts *k)
{
	const struct vm_dinsn *d = x->d;
	struct jit_insn *in = x->in;
	const struct opfacts *o = x->o;
	if ((o->flags & OF_XSRC) && (k->known >> d->src & 1) && d->src != 10) {
		in->flags |= JI_SRC_CONST;
		*x->cval = k->val[d->src];
	}
	/* a local call forgets everything, a helper call r0-r5 */
	k->known &= (uint16_t)~(x->def | o->kfix);
	if (o->ck == CK_NONE)
		return;
	int64_t v;
	switch (o->ck) {
	case CK_IMM: v = d->imm; break;
	case CK_IMM32: v = (int64_t)(uint32_t)d->imm; break;
	case CK_SRC: case CK_SRC32:
		if (!(in->flags & JI_SRC_CONST))
			return;
		v = o->ck == CK_SRC ? *x->cval : (int64_t)(uint32_t)*x->cval;
		break;
	default: return;
	}
	k->known |= (uint16_t)(1u << d->dst);
	k->val[d->dst] = v;
}

/* Program-wide facts gathered by mark_func() as unions of bits (no decisions per
 * instruction), turned into struct jit_func facts when the function changes and at the
 * end. */
struct progfacts {
	uint16_t uses;             /* registers read anywhere (r10: the stack is used) */
	uint8_t flags2;            /* OF2_* of the whole program */
	bool func_values;
	/* of function f so far (functions are contiguous) */
	unsigned f;
	uint16_t writes;
	uint8_t fflags2;           /* OF2_* of its instructions */
	uint8_t unsafe_mem;        /* OF2_MEM: it has a memory access not proven safe */
};

static void flush_func(struct jit_ctx *c, struct progfacts *pf)
{
	struct jit_func *fn = &c->fn[pf->f];
	fn->writes |= pf->writes;
	fn->calls |= (pf->fflags2 & OF2_CALL) != 0;
	fn->needs_rc |= (pf->fflags2 & OF2_RC) || (c->checks && pf->unsafe_mem);
	pf->flags2 |= pf->fflags2;
	pf->writes = 0;
	pf->fflags2 = pf->unsafe_mem = 0;
}

/* What function facts instruction x (reachable) contributes. */
static inline void mark_func(struct jit_ctx *c, const struct node *x, struct progfacts *pf)
{
	uint16_t iflags = x->in->flags;
	uint8_t f2 = x->o->flags2;
	if (__builtin_expect(x->in->func != pf->f, 0)) {
		flush_func(c, pf);
		pf->f = x->in->func;
	}
	pf->uses |= x->use;
	pf->writes |= iflags & JI_SKIP ? 0 : x->def;
	pf->fflags2 |= f2;
	/* JI_SAFE_MEM (bit 9) shifted onto OF2_MEM (bit 3) */
	pf->unsafe_mem |= (uint8_t)(f2 & ~(iflags >> 6) & OF2_MEM);
	if (__builtin_expect(iflags & (JI_FUSE_ZEXT3 | JI_FUSE_SEXT3), 0))
		pf->writes |= (uint16_t)(1u << x->d[1].dst); /* writes the copy's dst */
	if (__builtin_expect(f2 & OF2_LDDW, 0))
		pf->func_values |= x->d->src == XBPF_PSEUDO_FUNC;
}

/* Fusions, constants and function facts in one forward pass (a fusion only marks later
 * instructions, so each instruction's flags are final when its facts are taken).
 * Constants are known inside blocks only: leaders forget them. */
static void mark_forward(struct jit_ctx *c, const uint32_t *ud)
{
	struct consts k = {0};
	struct progfacts pf = {0};
	const struct vm_dinsn *code = c->code;
	struct jit_insn *ins = c->ins;
	size_t n = c->n;
	for (size_t i = 0; i < n; i++) {
		struct node x = {&code[i], &ins[i], NULL, &c->cval[i], 0, 0};
		if (x.in->flags & JI_LEADER)
			k.known = 0;
		if (x.d->op == XOP_INVALID || !(x.in->flags & JI_REACH))
			continue;
		x.o = &opf[x.d->op];
		/* a cheap superset of the fusion patterns first (without branches: which
		 * instructions may start one does not follow a pattern) */
		const struct vm_dinsn *e = &code[i + 1 < n ? i + 1 : i];
		bool cand = ((x.o->flags & OF_FUSE) != 0) &
			    ((x.d->imm == 32) | ((size_t)x.d->off == i + 2) |
			     (e->op == XOP_ADD64_X) | (e->op == XOP_ADD64_K));
		if (cand && i + 1 < n)
			mark_fusions(c, i, x.o->form, x.o->flags);
		x.use = (uint16_t)ud[i];
		x.def = (uint16_t)(ud[i] >> 16);
		track_constant(&x, &k);
		mark_func(c, &x, &pf);
	}
	flush_func(c, &pf);
	c->uses_r10 = pf.uses >> 10 & 1;
	c->has_calls_local = (pf.flags2 & OF2_LOCAL) != 0;
	c->has_func_values = pf.func_values;
	c->body0_needs_rc = c->has_calls_local || c->has_func_values;
	for (unsigned f = 0; f < c->prog->func_cnt; f++)
		c->body0_needs_rc |= c->fn[f].needs_rc;
}

int jit_analyse(struct jit_ctx *c)
{
	pthread_once(&opf_once, opf_init);
	scan(c);
	size_t ud_cap;
	uint32_t *ud = jit_scratch_take(SCR_NODES, (c->n + 1) * sizeof *ud, &ud_cap);
	int err = ud ? reach_and_liveness(c, ud) : -ENOMEM;
	if (!err)
		mark_forward(c, ud);
	jit_scratch_give(SCR_NODES, ud, ud_cap);
	return err;
}
