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
 */
#include <errno.h>
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

/* Registers instruction i reads (uses) and writes (defs), for liveness. */
static void use_def(const struct jit_ctx *c, const uint16_t *func_live_in, size_t i,
		    uint16_t *use, uint16_t *def)
{
	const struct vm_dinsn *d = &c->code[i];
	uint16_t u = 0, w = 0, D = (uint16_t)(1u << d->dst), S = (uint16_t)(1u << d->src);
	switch (isa_table[d->op].form) {
	case FORM_ALU_K: u = is_mov(d->op) ? 0 : D; w = D; break;
	case FORM_ALU_X: u = (uint16_t)((is_mov(d->op) ? 0 : D) | S); w = D; break;
	case FORM_NEG: case FORM_END: u = D; w = D; break;
	case FORM_MOVSX: u = S; w = D; break;
	case FORM_LDX: u = S; w = D; break;
	case FORM_ST: u = D; break;
	case FORM_STX: u = D | S; break;
	case FORM_ATOMIC:
		u = D | S;
		if (is_atomic_fetch(d->op))
			w = S;
		if (is_cmpxchg(d->op)) {
			u |= 1;
			w = 1;
		}
		break;
	case FORM_LDDW: w = D; break;
	case FORM_LDABS: w = 1; break;
	case FORM_LDIND: u = S; w = 1; break;
	case FORM_JCOND_K: u = D; break;
	case FORM_JCOND_X: u = D | S; break;
	case FORM_CALL: u = ARG_REGS; w = 1; break;
	case FORM_CALLX: u = ARG_REGS | S; w = 1; break;
	case FORM_CALL_LOCAL: {
		/* The callee sees every register of the caller; r6-r9 come back unchanged and
		 * r0-r5 may or may not be rewritten: nothing is killed. */
		unsigned f = 0;
		while (f < c->prog->func_cnt && c->prog->funcs[f].start != (uint32_t)d->off)
			f++;
		u = (uint16_t)((f < c->prog->func_cnt && func_live_in ? func_live_in[f] : ALL_REGS) |
			       ARG_REGS);
		break;
	}
	case FORM_EXIT: u = c->ins[i].func == 0 ? 1 : 0x3f; break;
	default: break;
	}
	*use = u;
	*def = w;
}

/* Successors of instruction i; returns their count (0-2). */
static int successors(const struct jit_ctx *c, size_t i, size_t succ[2])
{
	const struct vm_dinsn *d = &c->code[i];
	uint8_t f = isa_table[d->op].form;
	if (f == FORM_EXIT || f == FORM_CALL_KFUNC)
		return 0;
	if (f == FORM_JA || f == FORM_JA32) {
		succ[0] = (size_t)d->off;
		return 1;
	}
	int n = 0;
	size_t next = i + jit_slots(d);
	if (next < c->n)
		succ[n++] = next;
	if (is_cond_jump(d->op))
		succ[n++] = (size_t)d->off;
	return n;
}

static int mark_reachable(struct jit_ctx *c)
{
	size_t *stack = malloc((c->n + 1) * sizeof *stack), top = 0;
	if (!stack)
		return -ENOMEM;
	for (unsigned f = 0; f < c->prog->func_cnt; f++) {
		size_t s = c->prog->funcs[f].start;
		if (s < c->n && !(c->ins[s].flags & JI_REACH)) {
			c->ins[s].flags |= JI_REACH;
			stack[top++] = s;
		}
	}
	while (top) {
		size_t i = stack[--top], succ[2];
		int k = successors(c, i, succ);
		for (int j = 0; j < k; j++) {
			if (succ[j] < c->n && !(c->ins[succ[j]].flags & JI_REACH)) {
				c->ins[succ[j]].flags |= JI_REACH;
				stack[top++] = succ[j];
			}
		}
	}
	free(stack);
	return 0;
}

/* Functions, jump targets, leaders and block slot counts. */
static void mark_blocks(struct jit_ctx *c)
{
	const struct xbpf_prog *p = c->prog;
	for (unsigned f = 0; f < p->func_cnt; f++) {
		for (uint32_t i = p->funcs[f].start; i < p->funcs[f].end && i < c->n; i++)
			c->ins[i].func = (uint16_t)f;
		if (p->funcs[f].start < c->n)
			c->ins[p->funcs[f].start].flags |= JI_LEADER;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct vm_dinsn *d = &c->code[i];
		if (d->op == XOP_INVALID)
			continue;
		uint8_t f = isa_table[d->op].form;
		bool ends = isa_is_jump(d->op) || f == FORM_CALL || f == FORM_CALLX ||
			    f == FORM_CALL_LOCAL || f == FORM_EXIT;
		if (isa_is_jump(d->op) && (size_t)d->off < c->n)
			c->ins[d->off].flags |= JI_TARGET | JI_LEADER;
		if (ends && i + 1 < c->n)
			c->ins[i + 1].flags |= JI_LEADER;
		if (d->op == XOP_LDDW && i + 1 < c->n)
			c->ins[i + 1].flags |= JI_SKIP;
	}
	size_t leader = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->ins[i].flags & JI_LEADER)
			leader = i;
		if (c->code[i].op != XOP_INVALID)
			c->ins[leader].slots = (uint16_t)(c->ins[leader].slots + jit_slots(&c->code[i]));
	}
}

/* Per-instruction facts the liveness fixpoint reads on every round, computed once. */
struct live_node {
	uint32_t succ[2];
	uint8_t nsucc;
	int16_t callee;            /* local call: the callee's function index, else -1 */
	uint16_t use, def;
};

static int callee_index(const struct jit_ctx *c, size_t i)
{
	unsigned f = 0;
	while (f < c->prog->func_cnt && c->prog->funcs[f].start != (uint32_t)c->code[i].off)
		f++;
	return f < c->prog->func_cnt ? (int)f : -1;
}

/* The reachable instructions in reverse order, with their successors and use/def sets. */
static size_t live_nodes(const struct jit_ctx *c, struct live_node *nd, uint32_t *order)
{
	size_t cnt = 0;
	for (size_t i = c->n; i-- > 0;) {
		if (!(c->ins[i].flags & JI_REACH) || c->code[i].op == XOP_INVALID)
			continue;
		struct live_node *x = &nd[i];
		size_t succ[2];
		x->nsucc = (uint8_t)successors(c, i, succ);
		for (int j = 0; j < x->nsucc; j++)
			x->succ[j] = (uint32_t)succ[j];
		x->callee = -1;
		if (isa_table[c->code[i].op].form == FORM_CALL_LOCAL)
			x->callee = (int16_t)callee_index(c, i);
		use_def(c, NULL, i, &x->use, &x->def);
		order[cnt++] = (uint32_t)i;
	}
	return cnt;
}

/* One backward round over the program; returns whether anything changed. */
static bool live_round(struct jit_ctx *c, const struct live_node *nd, const uint32_t *order,
		       size_t cnt, uint16_t *live_in, const uint16_t *func_in)
{
	bool changed = false;
	for (size_t k = 0; k < cnt; k++) {
		size_t i = order[k];
		const struct live_node *x = &nd[i];
		uint16_t out = 0, use = x->use;
		for (int j = 0; j < x->nsucc; j++)
			out |= live_in[x->succ[j]];
		if (isa_table[c->code[i].op].form == FORM_CALL_LOCAL)
			use = (uint16_t)((x->callee >= 0 ? func_in[x->callee] : ALL_REGS) | ARG_REGS);
		uint16_t in = (uint16_t)(use | (out & ~x->def));
		if (out != c->ins[i].live_out || in != live_in[i]) {
			c->ins[i].live_out = out;
			live_in[i] = in;
			changed = true;
		}
	}
	return changed;
}

/* Backward liveness to a fixpoint across functions. */
static int liveness(struct jit_ctx *c)
{
	unsigned nf = c->prog->func_cnt;
	uint16_t *live_in = calloc(c->n + 1, sizeof *live_in);
	uint16_t *func_in = calloc(nf + 1, sizeof *func_in);
	size_t nd_cap, order_cap;
	struct live_node *nd = jit_scratch_take(SCR_LIVE, (c->n + 1) * sizeof *nd, &nd_cap);
	uint32_t *order = jit_scratch_take(SCR_ORDER, (c->n + 1) * sizeof *order, &order_cap);
	int err = live_in && func_in && nd && order ? 0 : -ENOMEM;
	size_t cnt = err ? 0 : live_nodes(c, nd, order);
	for (bool changed = !err; changed;) {
		changed = live_round(c, nd, order, cnt, live_in, func_in);
		for (unsigned f = 0; f < nf; f++) {
			uint32_t s = c->prog->funcs[f].start;
			if (s < c->n && live_in[s] != func_in[f]) {
				func_in[f] = live_in[s];
				changed = true;
			}
		}
	}
	if (!err) {
		c->main_live_in = c->n ? live_in[c->prog->funcs[0].start] : 0;
		/* zeroing a register at entry counts as writing it (it must be saved) */
		c->fn[0].writes |= c->main_live_in & 0x3c0u;
	}
	free(live_in);
	free(func_in);
	jit_scratch_give(SCR_LIVE, nd, nd_cap);
	jit_scratch_give(SCR_ORDER, order, order_cap);
	return err;
}

/* An instruction whose only effect is writing dst (and cannot fault). */
static bool pure_def(const struct jit_ctx *c, size_t i)
{
	const struct vm_dinsn *d = &c->code[i];
	switch (isa_table[d->op].form) {
	case FORM_ALU_K: case FORM_ALU_X: case FORM_NEG: case FORM_END: case FORM_MOVSX:
	case FORM_LDDW:
		return true;
	case FORM_LDX:
		return !c->checks || (c->ins[i].flags & JI_SAFE_MEM);
	default:
		return false;
	}
}

static void mark_safe_mem(struct jit_ctx *c, size_t i)
{
	const struct vm_dinsn *d = &c->code[i];
	uint8_t f = isa_table[d->op].form;
	if (f != FORM_LDX && f != FORM_ST && f != FORM_STX && f != FORM_ATOMIC)
		return;
	unsigned base = f == FORM_LDX ? d->src : d->dst, size = isa_mem_size(d->op);
	if (base != 10 || d->off < -XBPF_STACK_SIZE || d->off > -(int32_t)size)
		return;
	if (f == FORM_ATOMIC && (d->off & (int32_t)(size - 1)))
		return;
	c->ins[i].flags |= JI_SAFE_MEM;
}

static void mark_fusions(struct jit_ctx *c, size_t i)
{
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
	} else if (is_cond_jump(d->op) && (size_t)d->off == i + 2 &&
		   (e->op == XOP_JA || e->op == XOP_JA32)) {
		a->flags |= JI_FUSE_JNOT;
	}
}

/* Forward constant tracking inside blocks. */
static void track_constants(struct jit_ctx *c)
{
	uint16_t known = 0;
	int64_t val[XBPF_NREGS] = {0};
	for (size_t i = 0; i < c->n; i++) {
		const struct vm_dinsn *d = &c->code[i];
		struct jit_insn *in = &c->ins[i];
		if (in->flags & JI_LEADER)
			known = 0;
		if (d->op == XOP_INVALID || !(in->flags & JI_REACH))
			continue;
		uint8_t f = isa_table[d->op].form;
		if ((f == FORM_ALU_X || f == FORM_JCOND_X) && (known >> d->src & 1) && d->src != 10) {
			in->flags |= JI_SRC_CONST;
			in->cval = val[d->src];
		}
		uint16_t use, def;
		if (f == FORM_CALL_LOCAL) {
			known = 0;
			continue;
		}
		use_def(c, NULL, i, &use, &def);
		if (f == FORM_CALL || f == FORM_CALLX)
			def = 0x3f;
		known &= (uint16_t)~def;
		int64_t v;
		bool k = true;
		if (d->op == XOP_MOV64_K || d->op == XOP_LDDW)
			v = d->imm;
		else if (d->op == XOP_MOV32_K)
			v = (int64_t)(uint32_t)d->imm;
		else if (d->op == XOP_MOV64_X && (in->flags & JI_SRC_CONST))
			v = in->cval;
		else if (d->op == XOP_MOV32_X && (in->flags & JI_SRC_CONST))
			v = (int64_t)(uint32_t)in->cval;
		else
			k = false;
		if (k) {
			known |= (uint16_t)(1u << d->dst);
			val[d->dst] = v;
		}
	}
}

static void mark_funcs(struct jit_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct vm_dinsn *d = &c->code[i];
		if (d->op == XOP_INVALID || !(c->ins[i].flags & JI_REACH))
			continue;
		struct jit_func *fn = &c->fn[c->ins[i].func];
		uint8_t f = isa_table[d->op].form;
		uint16_t use, def;
		use_def(c, NULL, i, &use, &def);
		if (use & (1u << 10))
			c->uses_r10 = true;
		if (!(c->ins[i].flags & JI_SKIP))
			fn->writes |= def;
		if (c->ins[i].flags & (JI_FUSE_ZEXT3 | JI_FUSE_SEXT3)) /* writes the copy's dst */
			fn->writes |= (uint16_t)(1u << c->code[i + 1].dst);
		bool call = f == FORM_CALL || f == FORM_CALLX || f == FORM_CALL_LOCAL;
		if (call)
			fn->calls = true;
		if (call || f == FORM_LDABS || f == FORM_LDIND || f == FORM_CALL_KFUNC ||
		    ((f == FORM_LDX || f == FORM_ST || f == FORM_STX || f == FORM_ATOMIC) &&
		     c->checks && !(c->ins[i].flags & JI_SAFE_MEM)))
			fn->needs_rc = true;
		if (f == FORM_CALL_LOCAL)
			c->has_calls_local = true;
		if (d->op == XOP_LDDW && d->src == XBPF_PSEUDO_FUNC)
			c->has_func_values = true;
	}
	c->body0_needs_rc = c->has_calls_local || c->has_func_values;
	for (unsigned f = 0; f < c->prog->func_cnt; f++)
		c->body0_needs_rc |= c->fn[f].needs_rc;
}

int jit_analyse(struct jit_ctx *c)
{
	if (mark_reachable(c))
		return -ENOMEM;
	mark_blocks(c);
	for (size_t i = 0; i < c->n; i++)
		if (c->code[i].op != XOP_INVALID)
			mark_safe_mem(c, i);
	if (liveness(c))
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		const struct vm_dinsn *d = &c->code[i];
		struct jit_insn *in = &c->ins[i];
		if (d->op == XOP_INVALID || !(in->flags & JI_REACH))
			continue;
		if (pure_def(c, i) && !(in->live_out >> d->dst & 1))
			in->flags |= JI_SKIP;
		if ((d->op == XOP_JA || d->op == XOP_JA32 || is_cond_jump(d->op)) &&
		    (size_t)d->off == i + 1)
			in->flags |= JI_NOP;
	}
	for (size_t i = 0; i + 1 < c->n; i++)
		if (c->code[i].op != XOP_INVALID && (c->ins[i].flags & JI_REACH))
			mark_fusions(c, i);
	track_constants(c);
	mark_funcs(c);
	return 0;
}
