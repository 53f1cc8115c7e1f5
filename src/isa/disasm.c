/* disasm.c - instruction words to text, in the kernel/llvm-objdump or the uBPF syntax.
 *
 * Everything is driven by isa_table[] (opcodes.def): isa_decode() picks the row, its form
 * decides the operand shape, its ubpf mnemonic or ksym operator supplies the words. Output
 * is chosen so that xbpf_asm() reads it back to the very same bytes: every field a row lets
 * vary (RULE_ANY, registers, pseudo sources) is printed, fixed fields follow from the
 * mnemonic. Words that do not decode, or whose fields break the row's rules, are printed as
 * ".insn 0x<word>" (the 64-bit little-endian word, as in the conformance "-- raw" sections),
 * which the assembler also accepts.
 *
 * Kernel syntax follows llvm-objdump 14 (`r1 = *(u32 *)(r1 + 0)`, `if w1 s< w2 goto -5`,
 * `r1 = 0 ll`, `lock *(u64 *)(r1 + 0) += r2`), with bpftool's `call name#id` when a VM
 * names the helper. Extensions for what llvm-objdump cannot express: `call pc+N` (local
 * call), `call kfunc N`, `callx imm rN` (LLVM's callx encoding, register in imm), and
 * lddw pseudo sources `map_fd(N)`, `map_value(N, OFF)`, `btf_id(N)`, `func(+N)`,
 * `map_idx(N)`, `map_idx_value(N, OFF)`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbpf/vm.h"
#include "isa.h"
#include "asm_internal.h"

/* Output buffer with snprintf semantics: len counts what would have been written. */
struct dbuf {
	char *p;
	size_t size;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->len < b->size ? b->size - b->len : 0;
	int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* What one disassembly call knows beyond the instruction itself. */
struct dctx {
	const struct xbpf_insn *insns;
	size_t cnt;
	enum xbpf_syntax syntax;
	const struct xbpf_vm *vm;
	const uint8_t *targets; /* NULL, or per index: print targets there as L<idx> */
};

uint64_t isa_insn_word(const struct xbpf_insn *in)
{
	return (uint64_t)in->code | (uint64_t)in->dst_reg << 8 | (uint64_t)in->src_reg << 12 |
	       (uint64_t)(uint16_t)in->off << 16 | (uint64_t)(uint32_t)in->imm << 32;
}

static bool is_kernel(const struct dctx *c)
{
	return c->syntax == XBPF_SYNTAX_KERNEL;
}

/* "(r1 + 4)" / "(r10 - 8)" (kernel) or "[%r1+4]" / "[%r10-8]" / "[%r1]" (ubpf). */
static void memref(struct dbuf *b, const struct dctx *c, unsigned r, int off)
{
	if (is_kernel(c))
		put(b, "(r%u %c %d)", r, off < 0 ? '-' : '+', off < 0 ? -off : off);
	else if (off == 0)
		put(b, "[%%r%u]", r);
	else
		put(b, "[%%r%u%c%d]", r, off < 0 ? '-' : '+', off < 0 ? -off : off);
}

/* ALU immediate for ubpf: small values in decimal, others in hex of the 32-bit word. */
static void uimm(struct dbuf *b, int32_t imm)
{
	if (imm >= -4096 && imm <= 4096)
		put(b, "%" PRId32, imm);
	else
		put(b, "0x%" PRIx32, (uint32_t)imm);
}

static bool has_label(const struct dctx *c, int64_t t)
{
	return c->targets && t >= 0 && (size_t)t < c->cnt && c->targets[t];
}

/* Jump or local-call target at pc + delta + 1. */
static void target(struct dbuf *b, const struct dctx *c, size_t pc, int64_t delta)
{
	int64_t t = (int64_t)pc + delta + 1;
	if (has_label(c, t))
		put(b, "L%" PRId64, t);
	else
		put(b, "%+" PRId64, delta);
}

/* The operation word of an atomic row: "add", "or", "and", "xor" (from "lock fetch add32"). */
static void atomic_word(const struct isa_op *row, char *out, size_t size)
{
	const char *m = row->ubpf;
	if (!strncmp(m, "lock ", 5))
		m += 5;
	if (!strncmp(m, "fetch ", 6))
		m += 6;
	size_t n = 0;
	while (m[n] && m[n] != '3' && m[n] != ' ' && n + 1 < size)
		n++;
	memcpy(out, m, n);
	out[n] = 0;
}

static void k_atomic(struct dbuf *b, const struct dctx *c, const struct isa_op *row,
		     const struct xbpf_insn *in)
{
	bool w = XBPF_SIZE(row->code) == XBPF_W;
	const char *sz = w ? "u32" : "u64";
	char word[16];
	atomic_word(row, word, sizeof word);
	if (!strcmp(row->ksym, "cmpxchg")) {
		put(b, "%c0 = %s(", w ? 'w' : 'r', w ? "cmpxchg32_32" : "cmpxchg_64");
		put(b, "r%u %c %d, %c0, %c%u)", in->dst_reg, in->off < 0 ? '-' : '+',
		    in->off < 0 ? -in->off : in->off, w ? 'w' : 'r', w ? 'w' : 'r', in->src_reg);
	} else if (!strcmp(row->ksym, "xchg")) {
		put(b, "%c%u = %s(", w ? 'w' : 'r', in->src_reg, w ? "xchg32_32" : "xchg_64");
		put(b, "r%u %c %d, %c%u)", in->dst_reg, in->off < 0 ? '-' : '+',
		    in->off < 0 ? -in->off : in->off, w ? 'w' : 'r', in->src_reg);
	} else if (in->imm & XBPF_FETCH) {
		put(b, "%c%u = atomic_fetch_%s((%s *)", w ? 'w' : 'r', in->src_reg, word, sz);
		memref(b, c, in->dst_reg, in->off);
		put(b, ", %c%u)", w ? 'w' : 'r', in->src_reg);
	} else {
		put(b, "lock *(%s *)", sz);
		memref(b, c, in->dst_reg, in->off);
		put(b, " %s %c%u", row->ksym, w ? 'w' : 'r', in->src_reg);
	}
}

/* lddw: "dst = value ll" (kernel) or "lddw %rD, value" (ubpf); pseudo sources by name. */
static void lddw(struct dbuf *b, const struct dctx *c, size_t pc, const struct xbpf_insn *in)
{
	static const char *const names[] = {NULL, "map_fd", "map_value", "btf_id", "func",
					    "map_idx", "map_idx_value"};
	const struct xbpf_insn *hi = &c->insns[pc + 1];
	if (is_kernel(c))
		put(b, "r%u = ", in->dst_reg);
	else
		put(b, "lddw %%r%u, ", in->dst_reg);
	unsigned s = in->src_reg;
	if (s == XBPF_PSEUDO_IMM64) {
		uint64_t v = (uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)hi->imm << 32;
		if (is_kernel(c))
			put(b, "%" PRId64, (int64_t)v);
		else
			put(b, "0x%" PRIx64, v);
	} else if (s == XBPF_PSEUDO_FUNC) {
		put(b, "func(");
		target(b, c, pc, in->imm);
		put(b, ")");
		if (hi->imm)
			put(b, " + %" PRId32, hi->imm);
	} else if (s == XBPF_PSEUDO_MAP_VALUE || s == XBPF_PSEUDO_MAP_IDX_VALUE) {
		put(b, "%s(%" PRId32 ", %" PRId32 ")", names[s], in->imm, hi->imm);
	} else {
		put(b, "%s(%" PRId32 ")", names[s], in->imm);
		if (hi->imm)
			put(b, " + %" PRId32, hi->imm);
	}
	if (is_kernel(c))
		put(b, " ll");
}

/* A call in either syntax: helper (kernel syntax: bpftool's "call name#id" when the VM
 * names it; a negative number alone means a local call, as llvm-objdump prints it), local
 * call, kfunc, callx (kernel "callx rN" / "callx imm rN"; uBPF the conformance encoding
 * "call %rN" / LLVM's "callx %rN"). */
static void call_insn(struct dbuf *b, const struct dctx *c, const struct isa_op *row,
		      size_t pc, const struct xbpf_insn *in)
{
	bool k = is_kernel(c);
	const char *name = NULL;
	switch (row->form) {
	case FORM_CALL:
		if (k && c->vm && in->imm >= 0)
			name = xbpf_vm__helper_name(c->vm, (uint32_t)in->imm);
		if (name)
			put(b, "call %s#%" PRId32, name, in->imm);
		else
			put(b, "call %s%" PRId32, in->imm < 0 ? "helper " : "", in->imm);
		break;
	case FORM_CALL_LOCAL:
		put(b, k ? "call " : "call local ");
		if (k && !has_label(c, isa_target(XOP_CALL_LOCAL, in, pc)))
			put(b, "pc");
		target(b, c, pc, in->imm);
		break;
	case FORM_CALL_KFUNC:
		put(b, "call kfunc %" PRId32, in->imm);
		break;
	default: /* FORM_CALLX */
		if (in->imm)
			put(b, k ? "callx imm r%" PRId32 : "callx %%r%" PRId32, in->imm);
		else
			put(b, k ? "callx r%u" : "call %%r%u", in->dst_reg);
		break;
	}
}

/* Kernel syntax, one valid instruction (not lddw, calls or exit: disasm_one). */
static void kernel_insn(struct dbuf *b, const struct dctx *c, uint16_t op, size_t pc)
{
	const struct isa_op *row = &isa_table[op];
	const struct xbpf_insn *in = &c->insns[pc];
	bool w = !isa_is_64(op);
	switch (row->form) {
	case FORM_ALU_K:
		put(b, "%c%u %s %" PRId32, w ? 'w' : 'r', in->dst_reg, row->ksym, in->imm);
		break;
	case FORM_ALU_X:
		put(b, "%c%u %s %c%u", w ? 'w' : 'r', in->dst_reg, row->ksym, w ? 'w' : 'r',
		    in->src_reg);
		break;
	case FORM_NEG:
		put(b, "%c%u %s%c%u", w ? 'w' : 'r', in->dst_reg, row->ksym, w ? 'w' : 'r',
		    in->dst_reg);
		break;
	case FORM_MOVSX:
		put(b, "%c%u = (s%d)%c%u", w ? 'w' : 'r', in->dst_reg, in->off, w ? 'w' : 'r',
		    in->src_reg);
		break;
	case FORM_END:
		put(b, "r%u = %s%" PRId32 " r%u", in->dst_reg, row->ksym, in->imm, in->dst_reg);
		break;
	case FORM_LDX:
		put(b, "r%u = *(%s *)", in->dst_reg, row->ksym);
		memref(b, c, in->src_reg, in->off);
		break;
	case FORM_ST:
		put(b, "*(%s *)", row->ksym);
		memref(b, c, in->dst_reg, in->off);
		put(b, " = %" PRId32, in->imm);
		break;
	case FORM_STX:
		put(b, "*(%s *)", row->ksym);
		memref(b, c, in->dst_reg, in->off);
		put(b, " = r%u", in->src_reg);
		break;
	case FORM_ATOMIC:
		k_atomic(b, c, row, in);
		break;
	case FORM_LDABS:
		put(b, "r0 = *(%s *)skb[%" PRId32 "]", row->ksym, in->imm);
		break;
	case FORM_LDIND:
		put(b, "r0 = *(%s *)skb[r%u", row->ksym, in->src_reg);
		if (in->imm)
			put(b, " %c %" PRId64, in->imm < 0 ? '-' : '+',
			    in->imm < 0 ? -(int64_t)in->imm : (int64_t)in->imm);
		put(b, "]");
		break;
	case FORM_JA:
	case FORM_JA32:
		put(b, "%s ", row->ksym);
		target(b, c, pc, row->form == FORM_JA ? in->off : in->imm);
		break;
	case FORM_JCOND_K:
		put(b, "if %c%u %s %" PRId32 " goto ", w ? 'w' : 'r', in->dst_reg, row->ksym,
		    in->imm);
		target(b, c, pc, in->off);
		break;
	case FORM_JCOND_X:
		put(b, "if %c%u %s %c%u goto ", w ? 'w' : 'r', in->dst_reg, row->ksym,
		    w ? 'w' : 'r', in->src_reg);
		target(b, c, pc, in->off);
		break;
	default: /* lddw, calls and exit: disasm_one() */
		break;
	}
}

/* uBPF syntax, one valid instruction (not lddw, calls or exit: disasm_one). */
static void ubpf_insn(struct dbuf *b, const struct dctx *c, uint16_t op, size_t pc)
{
	const struct isa_op *row = &isa_table[op];
	const struct xbpf_insn *in = &c->insns[pc];
	switch (row->form) {
	case FORM_ALU_K:
		put(b, "%s %%r%u, ", row->ubpf, in->dst_reg);
		uimm(b, in->imm);
		break;
	case FORM_ALU_X:
	case FORM_MOVSX:
		put(b, "%s %%r%u, %%r%u", row->ubpf, in->dst_reg, in->src_reg);
		break;
	case FORM_NEG:
	case FORM_END:
		put(b, "%s %%r%u", row->ubpf, in->dst_reg);
		break;
	case FORM_LDX:
		put(b, "%s %%r%u, ", row->ubpf, in->dst_reg);
		memref(b, c, in->src_reg, in->off);
		break;
	case FORM_ST:
		put(b, "%s ", row->ubpf);
		memref(b, c, in->dst_reg, in->off);
		put(b, ", ");
		uimm(b, in->imm);
		break;
	case FORM_STX:
	case FORM_ATOMIC:
		put(b, "%s ", row->ubpf);
		memref(b, c, in->dst_reg, in->off);
		put(b, ", %%r%u", in->src_reg);
		break;
	case FORM_LDABS:
		put(b, "%s %" PRId32, row->ubpf, in->imm);
		break;
	case FORM_LDIND:
		put(b, "%s %%r%u, %" PRId32, row->ubpf, in->src_reg, in->imm);
		break;
	case FORM_JA:
	case FORM_JA32:
		put(b, "%s ", row->ubpf);
		target(b, c, pc, row->form == FORM_JA ? in->off : in->imm);
		break;
	case FORM_JCOND_K:
		put(b, "%s %%r%u, ", row->ubpf, in->dst_reg);
		uimm(b, in->imm);
		put(b, ", ");
		target(b, c, pc, in->off);
		break;
	case FORM_JCOND_X:
		put(b, "%s %%r%u, %%r%u, ", row->ubpf, in->dst_reg, in->src_reg);
		target(b, c, pc, in->off);
		break;
	default: /* lddw, calls and exit: disasm_one() */
		break;
	}
}

/* The second slot of a lddw: only imm may be set. */
static bool lddw_tail_ok(const struct xbpf_insn *hi)
{
	return hi->code == 0 && hi->dst_reg == 0 && hi->src_reg == 0 && hi->off == 0;
}

int isa_insn_valid(const struct xbpf_insn *insns, size_t cnt, size_t idx)
{
	const struct xbpf_insn *in = &insns[idx];
	uint16_t op = isa_decode(in);
	if (op == XOP_INVALID || isa_check_fields(op, in))
		return -1;
	if (isa_table[op].form == FORM_LDDW && (idx + 1 >= cnt || !lddw_tail_ok(&insns[idx + 1])))
		return -1;
	return op;
}

/* One instruction into b; returns 0, or -EINVAL after writing ".insn 0x...". */
static int disasm_one(const struct dctx *c, size_t idx, struct dbuf *b)
{
	int op = isa_insn_valid(c->insns, c->cnt, idx);
	if (op < 0) {
		put(b, ".insn 0x%016" PRIx64, isa_insn_word(&c->insns[idx]));
		return -EINVAL;
	}
	const struct isa_op *row = &isa_table[op];
	const struct xbpf_insn *in = &c->insns[idx];
	switch (row->form) {   /* the forms both syntaxes print with one function */
	case FORM_LDDW:
		lddw(b, c, idx, in);
		break;
	case FORM_CALL:
	case FORM_CALL_LOCAL:
	case FORM_CALL_KFUNC:
	case FORM_CALLX:
		call_insn(b, c, row, idx, in);
		break;
	case FORM_EXIT:
		put(b, "exit");
		break;
	default:
		if (is_kernel(c))
			kernel_insn(b, c, (uint16_t)op, idx);
		else
			ubpf_insn(b, c, (uint16_t)op, idx);
	}
	return 0;
}

int xbpf_disasm_insn(const struct xbpf_insn *insns, size_t cnt, size_t idx,
		     enum xbpf_syntax syntax, const struct xbpf_vm *vm, char *buf, size_t size)
{
	if (buf && size)
		buf[0] = 0;
	if (!insns || idx >= cnt || (!buf && size))
		return -EINVAL;
	struct dctx c = {insns, cnt, syntax, vm, NULL};
	struct dbuf b = {buf, size, 0};
	int err = disasm_one(&c, idx, &b);
	if (err)
		return err;
	return b.len > INT32_MAX ? INT32_MAX : (int)b.len;
}

/* Per index: 1 where a printed label goes (a jump, local-call or lddw func target that is
 * the start of an instruction). */
static uint8_t *find_targets(const struct xbpf_insn *insns, size_t cnt)
{
	uint8_t *t = calloc(cnt ? cnt : 1, 2);
	if (!t)
		return NULL;
	uint8_t *start = t + cnt;
	for (size_t i = 0; i < cnt; i++) {
		start[i] = 1;
		int op = isa_insn_valid(insns, cnt, i);
		if (op >= 0 && isa_table[op].form == FORM_LDDW)
			i++;
	}
	for (size_t i = 0; i < cnt; i++) {
		int op = isa_insn_valid(insns, cnt, i);
		if (op < 0 || !start[i])
			continue;
		uint8_t f = isa_table[op].form;
		bool lddw_func = f == FORM_LDDW && insns[i].src_reg == XBPF_PSEUDO_FUNC;
		if (isa_is_jump((uint16_t)op) || f == FORM_CALL_LOCAL || lddw_func) {
			int64_t to = lddw_func ? (int64_t)i + insns[i].imm + 1
					       : isa_target((uint16_t)op, &insns[i], i);
			if (to >= 0 && (size_t)to < cnt && start[to])
				t[to] = 1;
		}
	}
	return t;
}

char *xbpf_disasm(const struct xbpf_insn *insns, size_t cnt, enum xbpf_syntax syntax,
		  bool labels, const struct xbpf_vm *vm)
{
	if (!insns && cnt) {
		errno = EINVAL;
		return NULL;
	}
	uint8_t *targets = labels ? find_targets(insns, cnt) : NULL;
	if (labels && !targets)
		return NULL;
	struct dctx c = {insns, cnt, syntax, vm, targets};
	struct dbuf b = {NULL, 0, 0};
	char *out = NULL;
	for (int pass = 0; pass < 2; pass++) { /* measure, then write */
		b.len = 0;
		for (size_t i = 0; i < cnt; i++) {
			if (targets && targets[i])
				put(&b, "L%zu:\n", i);
			int op = isa_insn_valid(insns, cnt, i);
			disasm_one(&c, i, &b);
			put(&b, "\n");
			if (op >= 0 && isa_table[op].form == FORM_LDDW)
				i++;
		}
		if (pass == 0) {
			out = malloc(b.len + 1);
			if (!out)
				break;
			out[0] = 0;
			b.p = out;
			b.size = b.len + 1;
		}
	}
	free(targets);
	return out;
}
