/* validate.c - load-time validation of a program: the structural rules every engine relies on.
 *
 * vm_validate() checks each instruction slot against the ISA table (opcodes.def via isa.h)
 * and the program as a whole, and fills prog->code (one decoded struct vm_dinsn per slot)
 * and prog->funcs (the main program plus every bpf-to-bpf call and callback target, sorted).
 * After it succeeds the engines may assume, without further checks:
 *  - every executed slot holds a known operation whose fields obey their rules;
 *  - every jump, local call and lddw src=4 target is the start of an instruction inside the
 *    program (never the second half of a lddw), and jumps stay inside their function;
 *  - execution cannot fall off the end of a function (its last instruction is exit or ja);
 *  - helper calls name a helper registered in the VM at load time.
 * Rules are checked in slot order; the first violation is reported as one line
 * "insn N (DISASM): reason" and the function returns -EINVAL.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../vm/vm_internal.h"

/* Per-slot facts gathered by the first pass. */
enum {
	SLOT_LDDW_HI = 1 << 0,  /* second half of a lddw */
	SLOT_FUNC = 1 << 1,     /* start of a function */
};

struct vctx {
	struct xbpf_prog *prog;
	char *log;
	size_t log_size;
	uint8_t *slot;          /* SLOT_* per instruction slot */
};

static int fail(struct vctx *v, size_t pc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report "insn PC (DISASM): reason" and return -EINVAL. */
static int fail(struct vctx *v, size_t pc, const char *fmt, ...)
{
	if (!v->log || !v->log_size)
		return -EINVAL;
	char dis[128];
	xbpf_disasm_insn(v->prog->insns, v->prog->insn_cnt, pc, XBPF_SYNTAX_UBPF, v->prog->vm,
			 dis, sizeof dis);
	int n = snprintf(v->log, v->log_size, "insn %zu (%s): ", pc, dis);
	if (n >= 0 && (size_t)n < v->log_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->log + n, v->log_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A register field above r10 is reported as a bad register, not as "not writable". */
static const char *check_reg_range(const struct isa_op *row, const struct xbpf_insn *in)
{
	if ((row->dst.kind == RULE_REG || row->dst.kind == RULE_WREG) && in->dst_reg > 10)
		return "bad register in dst (r0-r10)";
	if ((row->src.kind == RULE_REG || row->src.kind == RULE_WREG) && in->src_reg > 10)
		return "bad register in src (r0-r10)";
	return NULL;
}

/* Decode one (first-half) slot into d; checks the field rules. */
static int decode_slot(struct vctx *v, size_t pc, struct vm_dinsn *d)
{
	const struct xbpf_insn *in = &v->prog->insns[pc];
	uint16_t op = isa_decode(in);
	if (op == XOP_INVALID)
		return fail(v, pc, "unknown opcode 0x%02x", in->code);
	const struct isa_op *row = &isa_table[op];
	const char *e = check_reg_range(row, in);
	if (!e)
		e = isa_check_fields(op, in);
	if (e)
		return fail(v, pc, "%s", e);
	d->op = op;
	d->dst = in->dst_reg;
	d->src = in->src_reg;
	d->off = in->off;
	d->imm = in->imm;
	if (row->form == FORM_CALLX) {
		d->src = (uint8_t)(in->imm ? in->imm : in->dst_reg);
		d->dst = 0;
	}
	return 0;
}

/* Check a target index (jump, local call, lddw src=4): inside the program. */
static int check_target(struct vctx *v, size_t pc, int64_t t, const char *what)
{
	if (t < 0 || (uint64_t)t >= v->prog->insn_cnt)
		return fail(v, pc, "%s out of range (target %lld, program has %zu instructions)",
			    what, (long long)t, v->prog->insn_cnt);
	return 0;
}

/* Per-operation checks that need more than the field rules; fills d->off for targets. */
static int check_operation(struct vctx *v, size_t pc, struct vm_dinsn *d)
{
	const struct xbpf_insn *in = &v->prog->insns[pc];
	const struct xbpf_vm *vm = v->prog->vm;
	int64_t t;
	switch (isa_table[d->op].form) {
	case FORM_JA: case FORM_JA32: case FORM_JCOND_K: case FORM_JCOND_X:
		t = isa_target(d->op, in, pc);
		if (check_target(v, pc, t, "jump"))
			return -EINVAL;
		d->off = (int32_t)t;
		return 0;
	case FORM_CALL_LOCAL:
		t = isa_target(d->op, in, pc);
		if (check_target(v, pc, t, "local call"))
			return -EINVAL;
		d->off = (int32_t)t;
		v->slot[t] |= SLOT_FUNC;
		return 0;
	case FORM_CALL:
		if (in->imm < 0 || in->imm >= XBPF_MAX_HELPER_ID || !vm->helpers[in->imm].fn)
			return fail(v, pc, "call to unknown helper %d", in->imm);
		return 0;
	case FORM_CALL_KFUNC:
		return fail(v, pc, "kernel function calls (kfunc, BTF id %d) are not supported",
			    in->imm);
	default:
		return 0;
	}
}

/* A lddw: needs a well-formed second half; builds the 64-bit immediate. Returns 0 or
 * -EINVAL; pseudo forms keep the raw value (the loader resolves them). */
static int check_lddw(struct vctx *v, size_t pc, struct vm_dinsn *d)
{
	struct xbpf_prog *p = v->prog;
	if (pc + 1 >= p->insn_cnt)
		return fail(v, pc, "lddw is missing its second half (last instruction)");
	const struct xbpf_insn *hi = &p->insns[pc + 1];
	if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
		return fail(v, pc, "second half of lddw (insn %zu) must have code, dst, src and "
			    "off 0 (has code 0x%02x dst %u src %u off %d)", pc + 1, hi->code,
			    hi->dst_reg, hi->src_reg, hi->off);
	d->imm = (int64_t)(((uint64_t)(uint32_t)hi->imm << 32) | (uint32_t)p->insns[pc].imm);
	if (d->src == XBPF_PSEUDO_FUNC) {
		int64_t t = (int64_t)pc + p->insns[pc].imm + 1;
		if (check_target(v, pc, t, "callback function"))
			return -EINVAL;
		d->off = (int32_t)t;
		v->slot[t] |= SLOT_FUNC;
	}
	v->slot[pc + 1] |= SLOT_LDDW_HI;
	p->code[pc + 1].op = XOP_INVALID;
	return 0;
}

/* Pass 1: decode every slot. */
static int pass_decode(struct vctx *v)
{
	struct xbpf_prog *p = v->prog;
	for (size_t pc = 0; pc < p->insn_cnt; pc++) {
		struct vm_dinsn *d = &p->code[pc];
		if (decode_slot(v, pc, d) || check_operation(v, pc, d))
			return -EINVAL;
		if (isa_table[d->op].form == FORM_LDDW) {
			if (check_lddw(v, pc, d))
				return -EINVAL;
			pc++;
		}
	}
	return 0;
}

/* Build prog->funcs from the SLOT_FUNC marks (slot 0 is always a function). */
static int build_funcs(struct vctx *v)
{
	struct xbpf_prog *p = v->prog;
	unsigned n = 0;
	v->slot[0] |= SLOT_FUNC;
	for (size_t pc = 0; pc < p->insn_cnt; pc++)
		n += !!(v->slot[pc] & SLOT_FUNC);
	p->funcs = calloc(n, sizeof *p->funcs);
	if (!p->funcs)
		return -ENOMEM;
	unsigned i = 0;
	for (size_t pc = 0; pc < p->insn_cnt; pc++) {
		if (!(v->slot[pc] & SLOT_FUNC))
			continue;
		if (i)
			p->funcs[i - 1].end = (uint32_t)pc;
		p->funcs[i++].start = (uint32_t)pc;
	}
	p->funcs[n - 1].end = (uint32_t)p->insn_cnt;
	p->func_cnt = n;
	return 0;
}

/* Slot pc's target index (jump, local call, callback), or -1 when it has none. */
static int64_t slot_target(const struct vm_dinsn *d)
{
	if (d->op == XOP_INVALID)
		return -1;
	uint8_t form = isa_table[d->op].form;
	if (isa_is_jump(d->op) || form == FORM_CALL_LOCAL ||
	    (form == FORM_LDDW && d->src == XBPF_PSEUDO_FUNC))
		return d->off;
	return -1;
}

/* Pass 2: every target is the start of an instruction, not the second half of a lddw. */
static int pass_targets(struct vctx *v)
{
	struct xbpf_prog *p = v->prog;
	for (size_t pc = 0; pc < p->insn_cnt; pc++) {
		int64_t t = slot_target(&p->code[pc]);
		if (t >= 0 && (v->slot[t] & SLOT_LDDW_HI))
			return fail(v, pc, "%s into the second half of a lddw (insn %lld)",
				    isa_is_jump(p->code[pc].op) ? "jump" : "call", (long long)t);
	}
	return 0;
}

/* Pass 3: jumps stay in their function, no function can fall off its end. */
static int pass_functions(struct vctx *v)
{
	struct xbpf_prog *p = v->prog;
	for (unsigned f = 0; f < p->func_cnt; f++) {
		struct vm_func fn = p->funcs[f];
		for (size_t pc = fn.start; pc < fn.end; pc++) {
			const struct vm_dinsn *d = &p->code[pc];
			if (d->op == XOP_INVALID || !isa_is_jump(d->op))
				continue;
			if ((uint32_t)d->off < fn.start || (uint32_t)d->off >= fn.end)
				return fail(v, pc, "jump out of its function (target %d, function is "
					    "insns %u-%u)", d->off, fn.start, fn.end - 1);
		}
		size_t last = fn.end - 1;
		if (p->code[last].op == XOP_INVALID)
			last--; /* a lddw ends the function (functions never start on a hi slot) */
		uint8_t form = isa_table[p->code[last].op].form;
		if (form != FORM_EXIT && form != FORM_JA && form != FORM_JA32)
			return fail(v, last, "execution can fall off the end of the %s (the last "
				    "instruction must be exit or ja)", f ? "function" : "program");
	}
	return 0;
}

int vm_validate(struct xbpf_prog *prog, char *log, size_t log_size)
{
	if (log && log_size)
		log[0] = '\0';
	if (prog->insn_cnt == 0) {
		if (log && log_size)
			snprintf(log, log_size, "empty program: no instructions");
		return -EINVAL;
	}
	if (prog->insn_cnt > VM_MAX_INSNS) {
		if (log && log_size)
			snprintf(log, log_size, "too many instructions: %zu (at most %d)",
				 prog->insn_cnt, VM_MAX_INSNS);
		return -EINVAL;
	}
	struct vctx v = {prog, log, log_size, calloc(prog->insn_cnt, 1)};
	free(prog->code);
	free(prog->funcs);
	prog->funcs = NULL;
	prog->code = calloc(prog->insn_cnt, sizeof *prog->code);
	int err = -ENOMEM;
	if (v.slot && prog->code) {
		err = pass_decode(&v);
		if (!err)
			err = pass_targets(&v);
		if (!err)
			err = build_funcs(&v);
		if (!err)
			err = pass_functions(&v);
	}
	if (err == -ENOMEM && log && log_size)
		snprintf(log, log_size, "out of memory");
	free(v.slot);
	return err;
}
