/* asm_ubpf.c - the bpf_conformance/uBPF assembler syntax, and what both syntaxes share.
 *
 *   mov %r0, 1          add32 %r1, %r2        neg %r0          be16 %r0   swap16 %r0
 *   ldxw %r0, [%r1+4]   stxdw [%r10-8], %r1   stw [%r1+2], 5   movsx832 %r0, %r1
 *   lddw %r0, 0x1122334455667788              lddw %r1, map_fd(3)
 *   jeq %r1, 0, label   ja +3   ja32 L1       ldabsw 12        ldindh %r2, 4
 *   lock add [%r10-8], %r1   lock fetch add32 [...], %r1   lock cmpxchg [...], %r1
 *   call 5   call local func1   call %r2   callx %r2   call kfunc 7   exit
 *
 * The mnemonic is looked up in isa_table's ubpf column; rows sharing a mnemonic (the K and
 * X forms) are told apart by the operand. Aliases: swapN = bswapN (conformance files use
 * both), <op>64 = <op> for 64-bit ALU, "call helper N", "call runtime N" = kfunc. Commas
 * between operands are optional, as in the bpf_conformance assembler. Immediates may be
 * written as negative numbers or as unsigned 32-bit patterns (0xffffffff = -1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xbpf/vm.h"
#include "asm_internal.h"

static int expect_reg(struct isa_asm *a, const char **p, unsigned *r, const char *what)
{
	char buf[48];
	int rc = isa_lex_reg(a, p, r, NULL);
	if (rc == 0)
		isa_asm_error(a, "expected %s register at '%s'", what,
			      isa_lex_rest(*p, buf, sizeof buf));
	return rc == 1 ? 0 : -1;
}

static int expect_num(struct isa_asm *a, const char **p, struct isa_num *n, const char *what)
{
	char buf[48];
	int rc = isa_lex_num(a, p, n);
	if (rc == 0)
		isa_asm_error(a, "expected %s at '%s'", what, isa_lex_rest(*p, buf, sizeof buf));
	return rc == 1 ? 0 : -1;
}

static int expect_imm32(struct isa_asm *a, const char **p, int32_t *imm)
{
	struct isa_num n;
	if (expect_num(a, p, &n, "an immediate"))
		return -1;
	return isa_num_imm32(a, &n, imm, "immediate");
}

static void comma(const char **p)
{
	isa_lex_lit(p, ",");
}

static int finish(struct isa_asm *a, const char *p)
{
	char buf[48];
	if (!isa_lex_end(&p))
		return isa_asm_error(a, "unexpected '%s' after the instruction",
				     isa_lex_rest(p, buf, sizeof buf));
	return 0;
}

/* ---- shared: lddw values and calls ------------------------------------------------------ */
static const char *const pseudo_names[] = {NULL, "map_fd", "map_value", "btf_id", "func",
					   "map_idx", "map_idx_value"};

static int pseudo_value(struct isa_asm *a, const char **p, unsigned s, size_t idx)
{
	a->insns[idx].src_reg = (uint8_t)s;
	if (!isa_lex_lit(p, "("))
		return isa_asm_error(a, "expected '(' after '%s'", pseudo_names[s]);
	struct isa_num n;
	if (s == XBPF_PSEUDO_FUNC) {
		if (isa_lex_target(a, p, idx, FIX_IMM))
			return -1;
	} else if (expect_num(a, p, &n, "a number") ||
		   isa_num_imm32(a, &n, &a->insns[idx].imm, "immediate")) {
		return -1;
	}
	bool two = s == XBPF_PSEUDO_MAP_VALUE || s == XBPF_PSEUDO_MAP_IDX_VALUE;
	if (two && (!isa_lex_lit(p, ",") || expect_num(a, p, &n, "a value offset") ||
		    isa_num_imm32(a, &n, &a->insns[idx + 1].imm, "value offset")))
		return a->failed ? -1 : isa_asm_error(a, "expected ', offset'");
	if (!isa_lex_lit(p, ")"))
		return isa_asm_error(a, "expected ')' after the %s operand", pseudo_names[s]);
	if (!two && isa_lex_lit(p, "+")) { /* "map_fd(3) + 8": a second-slot imm */
		if (expect_num(a, p, &n, "a number") ||
		    isa_num_imm32(a, &n, &a->insns[idx + 1].imm, "immediate"))
			return -1;
	}
	return 0;
}

int isa_asm_lddw_value(struct isa_asm *a, const char **p, size_t idx)
{
	for (unsigned s = 1; s < sizeof pseudo_names / sizeof *pseudo_names; s++)
		if (isa_lex_word(p, pseudo_names[s]))
			return pseudo_value(a, p, s, idx);
	struct isa_num n;
	uint64_t v;
	if (expect_num(a, p, &n, "a 64-bit immediate") || isa_num_imm64(a, &n, &v))
		return -1;
	a->insns[idx].imm = (int32_t)(uint32_t)v;
	a->insns[idx + 1].imm = (int32_t)(uint32_t)(v >> 32);
	return 0;
}

static int emit_op(struct isa_asm *a, int op, long *idx)
{
	struct xbpf_insn in = isa_asm_encode(op);
	*idx = isa_asm_emit(a, &in);
	return *idx < 0 ? -1 : 0;
}

/* "name#id" (bpftool), or a helper name the VM knows, or a label (local call). */
static int call_named(struct isa_asm *a, const char *p, const char *s, size_t len)
{
	long idx;
	struct isa_num n;
	if (isa_lex_lit(&p, "#")) {
		if (expect_num(a, &p, &n, "a helper id") || emit_op(a, XOP_CALL, &idx) ||
		    isa_num_imm32(a, &n, &a->insns[idx].imm, "helper id"))
			return -1;
		return finish(a, p);
	}
	char name[128];
	snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), s);
	int id = a->vm && len < 127 ? xbpf_vm__helper_id(a->vm, name) : -1;
	if (id >= 0) {
		if (emit_op(a, XOP_CALL, &idx))
			return -1;
		a->insns[idx].imm = id;
		return finish(a, p);
	}
	if (emit_op(a, XOP_CALL_LOCAL, &idx) || isa_asm_fixup(a, (size_t)idx, FIX_IMM, s, len))
		return -1;
	return finish(a, p);
}

int isa_asm_call(struct isa_asm *a, const char *p)
{
	long idx;
	unsigned r;
	struct isa_num n;
	const char *s;
	size_t len;
	if (isa_lex_word(&p, "local") || isa_lex_word(&p, "pc")) {
		if (emit_op(a, XOP_CALL_LOCAL, &idx) ||
		    isa_lex_target(a, &p, (size_t)idx, FIX_IMM))
			return -1;
		return finish(a, p);
	}
	bool helper = isa_lex_word(&p, "helper");
	bool kfunc = !helper && (isa_lex_word(&p, "kfunc") || isa_lex_word(&p, "runtime"));
	int rc = isa_lex_reg(a, &p, &r, NULL);
	if (rc < 0)
		return -1;
	if (rc > 0 && !helper && !kfunc) { /* callx, register in dst (bpf_conformance) */
		if (emit_op(a, XOP_CALLX, &idx))
			return -1;
		a->insns[idx].dst_reg = (uint8_t)r;
		return finish(a, p);
	}
	if (!helper && !kfunc && isa_lex_ident(&p, &s, &len))
		return call_named(a, p, s, len);
	if (expect_num(a, &p, &n, "a helper id, 'local LABEL' or a register"))
		return -1;
	/* llvm-objdump prints a relocated local call as "call -1": a negative number
	 * without "helper" is a pc-relative local call. */
	int op = kfunc ? XOP_CALL_KFUNC : (n.neg && !helper) ? XOP_CALL_LOCAL : XOP_CALL;
	if (emit_op(a, op, &idx) || isa_num_imm32(a, &n, &a->insns[idx].imm, "call immediate"))
		return -1;
	if (op == XOP_CALL_LOCAL && n.mag > 0x80000000ull)
		return isa_asm_error(a, "call offset out of range");
	return finish(a, p);
}

/* "callx %rN" in ubpf / "callx imm rN" in kernel syntax: LLVM's encoding, register in imm;
 * "callx rN" in kernel syntax: register in dst. */
int isa_asm_callx(struct isa_asm *a, const char *p, bool in_imm)
{
	unsigned r;
	long idx;
	if (expect_reg(a, &p, &r, "a call target") || emit_op(a, XOP_CALLX, &idx))
		return -1;
	if (in_imm)
		a->insns[idx].imm = (int32_t)r;
	else
		a->insns[idx].dst_reg = (uint8_t)r;
	return finish(a, p);
}

/* ---- uBPF forms ----------------------------------------------------------------------- */
/* Row for mnemonic m in the ubpf column, preferring form `x_form` when the operand is a
 * register. Aliases are tried when the name itself is unknown. */
static int lookup(const char *m, bool reg_operand)
{
	int first = -1;
	for (int op = 0; op < XOP__COUNT; op++) {
		if (strcmp(isa_table[op].ubpf, m))
			continue;
		uint8_t f = isa_table[op].form;
		bool x = f == FORM_ALU_X || f == FORM_JCOND_X;
		bool k = f == FORM_ALU_K || f == FORM_JCOND_K;
		if ((x && reg_operand) || (k && !reg_operand) || (!x && !k))
			return op;
		if (first < 0)
			first = op;
	}
	return first;
}

static int lookup_alias(const char *m, bool reg_operand)
{
	char buf[80];
	int op = lookup(m, reg_operand);
	if (op >= 0)
		return op;
	if (!strncmp(m, "swap", 4)) { /* swap16 = bswap16 */
		snprintf(buf, sizeof buf, "b%s", m);
		return lookup(buf, reg_operand);
	}
	size_t n = strlen(m);
	if (n > 2 && !strcmp(m + n - 2, "64")) { /* add64 = add */
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), m);
		op = lookup(buf, reg_operand);
		if (op >= 0 && XBPF_CLASS(isa_table[op].code) == XBPF_ALU64)
			return op;
	}
	return -1;
}

/* The mnemonic: one word, or "lock [fetch] op". */
static int read_mnemonic(struct isa_asm *a, const char **p, char *m, size_t size)
{
	const char *s;
	size_t len;
	char buf[48];
	m[0] = 0;
	if (isa_lex_word(p, "lock")) {
		bool fetch = isa_lex_word(p, "fetch");
		if (!isa_lex_ident(p, &s, &len) || len > 20)
			return isa_asm_error(a, "expected an atomic operation after 'lock'");
		snprintf(m, size, "lock %s%.*s", fetch ? "fetch " : "", (int)len, s);
		return 0;
	}
	if (!isa_lex_ident(p, &s, &len))
		return isa_asm_error(a, "expected an instruction at '%s'",
				     isa_lex_rest(*p, buf, sizeof buf));
	if (len > 30)
		return isa_asm_error(a, "unknown mnemonic '%.30s...'", s);
	snprintf(m, size, "%.*s", (int)len, s);
	return 0;
}

/* dst, then (src register | immediate) for ALU and conditional jumps. */
static int reg_or_imm(struct isa_asm *a, const char **p, struct xbpf_insn *in, bool *is_reg)
{
	unsigned r;
	int rc = isa_lex_reg(a, p, &r, NULL);
	if (rc < 0)
		return -1;
	*is_reg = rc > 0;
	if (rc > 0) {
		in->src_reg = (uint8_t)r;
		return 0;
	}
	return expect_imm32(a, p, &in->imm);
}

static int ubpf_mem_ops(struct isa_asm *a, const char *p, int op, const struct isa_op *row)
{
	struct xbpf_insn in = isa_asm_encode(op);
	unsigned r1, r2;
	switch (row->form) {
	case FORM_LDX:
		if (expect_reg(a, &p, &r1, "a destination") || (comma(&p), 0) ||
		    isa_lex_mem_ubpf(a, &p, &r2, &in.off))
			return -1;
		in.dst_reg = (uint8_t)r1;
		in.src_reg = (uint8_t)r2;
		break;
	case FORM_ST:
		if (isa_lex_mem_ubpf(a, &p, &r1, &in.off) || (comma(&p), 0) ||
		    expect_imm32(a, &p, &in.imm))
			return -1;
		in.dst_reg = (uint8_t)r1;
		break;
	default: /* STX, ATOMIC */
		if (isa_lex_mem_ubpf(a, &p, &r1, &in.off) || (comma(&p), 0) ||
		    expect_reg(a, &p, &r2, "a source"))
			return -1;
		in.dst_reg = (uint8_t)r1;
		in.src_reg = (uint8_t)r2;
		break;
	}
	if (isa_asm_emit(a, &in) < 0)
		return -1;
	return finish(a, p);
}

static int ubpf_jump(struct isa_asm *a, const char *p, int op, const struct isa_op *row)
{
	struct xbpf_insn in = isa_asm_encode(op);
	unsigned r;
	long idx;
	if (row->form == FORM_JCOND_K || row->form == FORM_JCOND_X) {
		bool is_reg;
		if (expect_reg(a, &p, &r, "a compared") || (comma(&p), 0) ||
		    reg_or_imm(a, &p, &in, &is_reg))
			return -1;
		in.dst_reg = (uint8_t)r;
		comma(&p);
	}
	if ((idx = isa_asm_emit(a, &in)) < 0 ||
	    isa_lex_target(a, &p, (size_t)idx, row->form == FORM_JA32 ? FIX_IMM : FIX_OFF))
		return -1;
	return finish(a, p);
}

static int ubpf_other(struct isa_asm *a, const char *p, int op, const struct isa_op *row)
{
	struct xbpf_insn in = isa_asm_encode(op);
	struct xbpf_insn hi = {0};
	unsigned r1 = 0, r2;
	bool is_reg;
	long idx;
	switch (row->form) {
	case FORM_ALU_K:
	case FORM_ALU_X:
		if (expect_reg(a, &p, &r1, "a destination") || (comma(&p), 0) ||
		    reg_or_imm(a, &p, &in, &is_reg))
			return -1;
		break;
	case FORM_NEG:
	case FORM_END:
		if (expect_reg(a, &p, &r1, "a destination"))
			return -1;
		break;
	case FORM_MOVSX:
		if (expect_reg(a, &p, &r1, "a destination") || (comma(&p), 0) ||
		    expect_reg(a, &p, &r2, "a source"))
			return -1;
		in.src_reg = (uint8_t)r2;
		break;
	case FORM_LDDW:
		if (expect_reg(a, &p, &r1, "a destination") || (comma(&p), 0))
			return -1;
		in.dst_reg = (uint8_t)r1;
		if ((idx = isa_asm_emit(a, &in)) < 0 || isa_asm_emit(a, &hi) < 0 ||
		    isa_asm_lddw_value(a, &p, (size_t)idx))
			return -1;
		return finish(a, p);
	case FORM_LDIND:
		if (expect_reg(a, &p, &r2, "an index") || (comma(&p), 0))
			return -1;
		in.src_reg = (uint8_t)r2;
		/* fall through */
	case FORM_LDABS:
		if (expect_imm32(a, &p, &in.imm))
			return -1;
		break;
	default: /* FORM_EXIT and anything without operands */
		break;
	}
	in.dst_reg = (uint8_t)r1;
	if (isa_asm_emit(a, &in) < 0)
		return -1;
	return finish(a, p);
}

int isa_asm_ubpf_line(struct isa_asm *a, const char *p)
{
	char m[64];
	if (isa_lex_word(&p, "callx"))
		return isa_asm_callx(a, p, true);
	if (isa_lex_word(&p, "call"))
		return isa_asm_call(a, p);
	if (read_mnemonic(a, &p, m, sizeof m))
		return -1;
	/* Is the operand that picks K or X a register? (2nd operand of ALU, 2nd of jumps) */
	const char *q = p;
	unsigned r;
	bool reg_operand = false;
	if (isa_lex_reg(a, &q, &r, NULL) == 1) {
		isa_lex_lit(&q, ",");
		reg_operand = isa_lex_reg(a, &q, &r, NULL) == 1;
	}
	if (a->failed)
		return -1;
	int op = lookup_alias(m, reg_operand);
	if (op < 0)
		return isa_asm_error(a, "unknown mnemonic '%s'", m);
	const struct isa_op *row = &isa_table[op];
	switch (row->form) {
	case FORM_LDX:
	case FORM_ST:
	case FORM_STX:
	case FORM_ATOMIC:
		return ubpf_mem_ops(a, p, op, row);
	case FORM_JA:
	case FORM_JA32:
	case FORM_JCOND_K:
	case FORM_JCOND_X:
		return ubpf_jump(a, p, op, row);
	case FORM_CALL:
	case FORM_CALL_LOCAL:
	case FORM_CALL_KFUNC:
	case FORM_CALLX:
		return isa_asm_call(a, p);
	default:
		return ubpf_other(a, p, op, row);
	}
}
