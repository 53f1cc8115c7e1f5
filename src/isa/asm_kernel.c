/* asm_kernel.c - the kernel/llvm-objdump assembler syntax.
 *
 *   r0 = 1   w0 = w1   r1 += 8   w2 s/= w3   r1 = -r1   r0 = (s8)r1   r1 = be16 r1
 *   r1 = *(u32 *)(r1 + 0)   *(u64 *)(r10 - 8) = r1   *(u32 *)(r1 + 4) = 7
 *   r1 = 0x1234 ll   r1 = map_fd(3) ll   r0 = *(u8 *)skb[12]   r0 = *(u16 *)skb[r2 + 4]
 *   if r1 > 0x10 goto +3   if w1 s< w2 goto -5   goto +2   gotol +100   goto pc+2
 *   lock *(u32 *)(r1 + 0) += r2   r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
 *   r2 = xchg_64(r1 + 0, r2)   w0 = cmpxchg32_32(r1 + 0, w0, w2)   (bpftool's
 *   atomic64_xchg((u64 *)(r1 +0), r2) and atomic64_cmpxchg(...) spellings too)
 *   callx r2   callx imm r2   (call and exit are shared with asm_ubpf.c)
 *
 * Operators come from isa_table's ksym column: the longest operator of the right form
 * that matches the text wins ("s>>=" before ">>="). A w register selects the 32-bit row.
 * Immediates of 64-bit operations are sign-extended by the machine, so they must be
 * written as signed 32-bit values (r1 = 0xffffffff is an error: write -1 or use ll).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "asm_internal.h"

bool isa_asm_is_kernel(const char *p)
{
	const char *q = p;
	unsigned r;
	bool w;
	if (isa_lex_lit(&q, "*") || isa_lex_word(&q, "if") || isa_lex_word(&q, "goto") ||
	    isa_lex_word(&q, "gotol"))
		return true;
	if (isa_lex_word(&q, "lock"))
		return isa_lex_lit(&q, "*");
	if (isa_lex_word(&q, "callx"))
		return !isa_lex_lit(&q, "%");
	while (*q == ' ' || *q == '\t')
		q++;
	return *q != '%' && isa_lex_reg(&(struct isa_asm){0}, &q, &r, &w) != 0;
}

static int fail_at(struct isa_asm *a, const char *what, const char *p)
{
	char buf[48];
	if (a->failed)
		return -1;
	return isa_asm_error(a, "expected %s at '%s'", what, isa_lex_rest(p, buf, sizeof buf));
}

static int finish(struct isa_asm *a, const char *p)
{
	char buf[48];
	if (!isa_lex_end(&p))
		return isa_asm_error(a, "unexpected '%s' after the instruction",
				     isa_lex_rest(p, buf, sizeof buf));
	return 0;
}

/* The longest ksym operator of rows with `form` at *p. */
static const char *match_op(const char **p, uint8_t form)
{
	const char *q = *p, *best = NULL;
	while (*q == ' ' || *q == '\t')
		q++;
	size_t best_len = 0;
	for (int op = 0; op < XOP__COUNT; op++) {
		const char *k = isa_table[op].ksym;
		size_t n = strlen(k);
		if (isa_table[op].form == form && n > best_len && !strncmp(q, k, n)) {
			best = k;
			best_len = n;
		}
	}
	if (best)
		*p = q + best_len;
	return best;
}

/* An immediate of an operation that is `wide` (64-bit, sign-extended) or not. */
static int imm_for(struct isa_asm *a, const struct isa_num *n, bool wide, int32_t *out)
{
	if (wide && !n->neg && n->mag > 0x7fffffff)
		return isa_asm_error(a, "immediate %llu out of range for a 64-bit operation "
				     "(signed 32 bits; use 'll' for 64-bit constants)",
				     (unsigned long long)n->mag);
	return isa_num_imm32(a, n, out, "immediate");
}

static int emit(struct isa_asm *a, const struct xbpf_insn *in, const char *p)
{
	if (isa_asm_emit(a, in) < 0)
		return -1;
	return finish(a, p);
}

/* "(uN *)" after the '*' of a memory operand: the ksym of the access type. */
static int mem_type(struct isa_asm *a, const char **p, char *type, size_t size)
{
	const char *s;
	size_t len;
	if (!isa_lex_lit(p, "(") || !isa_lex_ident(p, &s, &len) || len > 4 ||
	    !isa_lex_lit(p, "*") || !isa_lex_lit(p, ")"))
		return fail_at(a, "a type such as '(u32 *)'", *p);
	snprintf(type, size, "%.*s", (int)len, s);
	return 0;
}

/* ---- dst = ... ------------------------------------------------------------------------ */
static int k_load(struct isa_asm *a, const char *p, unsigned dst)
{
	char type[8];
	unsigned r;
	int op;
	if (mem_type(a, &p, type, sizeof type))
		return -1;
	if (isa_lex_word(&p, "skb")) { /* LD_ABS / LD_IND */
		struct xbpf_insn in;
		struct isa_num n = {0};
		if (!isa_lex_lit(&p, "["))
			return fail_at(a, "'[' after skb", p);
		int rc = isa_lex_reg(a, &p, &r, NULL);
		if (rc < 0)
			return -1;
		op = isa_asm_find(rc ? FORM_LDIND : FORM_LDABS, -1, type, NULL);
		if (op < 0)
			return isa_asm_error(a, "no packet load of type '%s'", type);
		if (dst != 0)
			return isa_asm_error(a, "packet loads write r0, not r%u", dst);
		in = isa_asm_encode(op);
		in.src_reg = (uint8_t)(rc ? r : 0);
		bool minus = rc && isa_lex_lit(&p, "-");
		if ((!rc || minus || isa_lex_lit(&p, "+")) && isa_lex_num(a, &p, &n) != 1)
			return fail_at(a, "a packet offset", p);
		n.neg = n.mag && n.neg != minus;
		if (isa_num_imm32(a, &n, &in.imm, "packet offset"))
			return -1;
		if (!isa_lex_lit(&p, "]"))
			return fail_at(a, "']'", p);
		return emit(a, &in, p);
	}
	if ((op = isa_asm_find(FORM_LDX, -1, type, NULL)) < 0)
		return isa_asm_error(a, "no load of type '%s'", type);
	struct xbpf_insn in = isa_asm_encode(op);
	if (isa_lex_mem_kernel(a, &p, &r, &in.off))
		return -1;
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)r;
	return emit(a, &in, p);
}

/* "be16 rD", "le32 rD", "bswap64 rD" */
static int k_endian(struct isa_asm *a, const char *p, const char *s, size_t len, unsigned dst)
{
	size_t alpha = 0;
	unsigned r;
	while (alpha < len && isalpha((unsigned char)s[alpha]))
		alpha++;
	char name[16];
	snprintf(name, sizeof name, "%.*s", (int)(alpha < 15 ? alpha : 15), s);
	int width = 0;
	for (size_t i = alpha; i < len && i < alpha + 3; i++)
		width = isdigit((unsigned char)s[i]) ? width * 10 + (s[i] - '0') : -1;
	int op = isa_asm_find_eq(FORM_END, -1, name, 'i', width);
	if (op < 0 || len - alpha > 2)
		return isa_asm_error(a, "unknown operation '%.*s'", (int)(len < 30 ? len : 30), s);
	if (isa_lex_reg(a, &p, &r, NULL) != 1)
		return fail_at(a, "a register", p);
	if (r != dst)
		return isa_asm_error(a, "byte swap must name the same register on both sides");
	struct xbpf_insn in = isa_asm_encode(op);
	in.dst_reg = (uint8_t)dst;
	return emit(a, &in, p);
}

/* Atomic operations written as function calls: "rS = atomic_fetch_add((u64 *)(rD + off),
 * rS)", "rS = xchg_64(rD + off, rS)", "r0 = cmpxchg_64(rD + off, r0, rS)", and bpftool's
 * atomic64_xchg / atomic64_cmpxchg. */
static int k_atomic_call(struct isa_asm *a, const char *p, const char *s, size_t len,
			 unsigned lhs)
{
	char name[40], m[40];
	snprintf(name, sizeof name, "%.*s", (int)(len < 39 ? len : 39), s);
	const char *base = name;
	bool llvm = strstr(name, "_64") || strstr(name, "32_32");
	bool size32 = strstr(name, "32_32") != NULL;
	if (!strncmp(base, "atomic64_", 9))
		base += 9;
	else if (!strncmp(base, "atomic_", 7))
		base += 7;
	bool cmpx = !strncmp(base, "cmpxchg", 7), xchg = !cmpx && !strncmp(base, "xchg", 4);
	bool fetch = !strncmp(base, "fetch_", 6);
	unsigned r, rs, r0;
	struct xbpf_insn in = {0};
	if (!isa_lex_lit(&p, "("))
		return fail_at(a, "'('", p);
	if (llvm) { /* "rD + off" */
		if (isa_lex_reg(a, &p, &r, NULL) != 1)
			return fail_at(a, "a base register", p);
		bool minus = isa_lex_lit(&p, "-");
		struct isa_num n = {0};
		if ((minus || isa_lex_lit(&p, "+")) && isa_lex_num(a, &p, &n) != 1)
			return fail_at(a, "an offset", p);
		n.neg = n.mag && n.neg != minus;
		if (isa_num_off16(a, &n, &in.off, "offset"))
			return -1;
	} else { /* "(u64 *)(rD + off)" */
		char type[8];
		if (mem_type(a, &p, type, sizeof type))
			return -1;
		size32 = !strcmp(type, "u32");
		if (!size32 && strcmp(type, "u64"))
			return isa_asm_error(a, "atomic operations are on u32 or u64, not %s", type);
		if (isa_lex_mem_kernel(a, &p, &r, &in.off))
			return -1;
	}
	if (cmpx && (!isa_lex_lit(&p, ",") || isa_lex_reg(a, &p, &r0, NULL) != 1 || r0 != 0))
		return fail_at(a, "', r0'", p);
	if (!isa_lex_lit(&p, ",") || isa_lex_reg(a, &p, &rs, NULL) != 1 || !isa_lex_lit(&p, ")"))
		return fail_at(a, "', register)'", p);
	if (cmpx ? lhs != 0 : lhs != rs)
		return isa_asm_error(a, "the result register must be %s", cmpx ? "r0" : "the source");
	if (fetch)
		snprintf(m, sizeof m, "lock fetch %s%s", base + 6, size32 ? "32" : "");
	else
		snprintf(m, sizeof m, "lock %s%s", cmpx ? "cmpxchg" : xchg ? "xchg" : "?",
			 size32 ? "32" : "");
	int op = isa_asm_find(FORM_ATOMIC, -1, NULL, m);
	if (op < 0)
		return isa_asm_error(a, "unknown atomic operation '%s'", name);
	struct xbpf_insn out = isa_asm_encode(op);
	out.dst_reg = (uint8_t)r;
	out.src_reg = (uint8_t)rs;
	out.off = in.off;
	return emit(a, &out, p);
}

static int k_lddw(struct isa_asm *a, const char *p, unsigned dst, bool w)
{
	struct xbpf_insn lo = isa_asm_encode(XOP_LDDW), hi = {0};
	long idx;
	if (w)
		return isa_asm_error(a, "64-bit load into w%u: use r%u", dst, dst);
	lo.dst_reg = (uint8_t)dst;
	if ((idx = isa_asm_emit(a, &lo)) < 0 || isa_asm_emit(a, &hi) < 0 ||
	    isa_asm_lddw_value(a, &p, (size_t)idx))
		return -1;
	isa_lex_word(&p, "ll");
	return finish(a, p);
}

static int k_rhs_word(struct isa_asm *a, const char *p, unsigned dst, bool w)
{
	const char *q = p, *s;
	size_t len;
	if (!isa_lex_ident(&q, &s, &len))
		return 1; /* not a word */
	static const char *const pseudo[] = {"map_fd", "map_value", "btf_id", "func", "map_idx",
					     "map_idx_value"};
	for (size_t i = 0; i < sizeof pseudo / sizeof *pseudo; i++)
		if (strlen(pseudo[i]) == len && !strncmp(s, pseudo[i], len))
			return k_lddw(a, p, dst, w);
	if (memchr(s, '_', len) || (len >= 7 && !strncmp(s, "cmpxchg", 7)) ||
	    (len >= 4 && !strncmp(s, "xchg", 4)))
		return k_atomic_call(a, q, s, len, dst);
	return k_endian(a, q, s, len, dst);
}

/* dst = <everything that starts with '='> */
static int k_assign_rhs(struct isa_asm *a, const char *p, unsigned dst, bool w)
{
	unsigned r;
	bool rw;
	struct isa_num n;
	const char *q = p;
	struct xbpf_insn in;
	int op;
	if (isa_lex_lit(&q, "-") && isa_lex_reg(a, &q, &r, &rw) == 1) { /* neg */
		if (r != dst)
			return isa_asm_error(a, "negation must name the same register on both sides");
		in = isa_asm_encode(isa_asm_find(FORM_NEG, !w, NULL, NULL));
		in.dst_reg = (uint8_t)dst;
		return emit(a, &in, q);
	}
	q = p;
	if (isa_lex_lit(&q, "(")) { /* (s8)r1 */
		const char *s;
		size_t len;
		int bits = 0;
		if (!isa_lex_ident(&q, &s, &len) || len < 2 || len > 3 || s[0] != 's' ||
		    sscanf(s + 1, "%2d", &bits) != 1 || !isa_lex_lit(&q, ")") ||
		    isa_lex_reg(a, &q, &r, &rw) != 1)
			return fail_at(a, "'(sN)register'", p);
		if ((op = isa_asm_find_eq(FORM_MOVSX, !w, NULL, 'o', bits)) < 0)
			return isa_asm_error(a, "no sign extension from %d bits for %c registers",
					     bits, w ? 'w' : 'r');
		in = isa_asm_encode(op);
		in.dst_reg = (uint8_t)dst;
		in.src_reg = (uint8_t)r;
		return emit(a, &in, q);
	}
	q = p;
	if (isa_lex_lit(&q, "*"))
		return k_load(a, q, dst);
	int rc = isa_lex_reg(a, &q, &r, &rw);
	if (rc == 0) {
		int wr = k_rhs_word(a, p, dst, w);
		if (wr <= 0)
			return wr;
	}
	if (rc) { /* mov */
		if (rc < 0)
			return -1;
		in = isa_asm_encode(isa_asm_find(FORM_ALU_X, !w, "=", NULL));
		in.dst_reg = (uint8_t)dst;
		in.src_reg = (uint8_t)r;
		return emit(a, &in, q);
	}
	if ((rc = isa_lex_num(a, &q, &n)) != 1)
		return rc < 0 ? -1 : fail_at(a, "a value", p);
	const char *after = q;
	if (isa_lex_word(&after, "ll") || a->lddw_hint)
		return k_lddw(a, p, dst, w);
	in = isa_asm_encode(isa_asm_find(FORM_ALU_K, !w, "=", NULL));
	in.dst_reg = (uint8_t)dst;
	if (imm_for(a, &n, !w, &in.imm))
		return -1;
	return emit(a, &in, q);
}

static int k_assign(struct isa_asm *a, const char *p, unsigned dst, bool w)
{
	const char *opname = match_op(&p, FORM_ALU_K);
	unsigned r;
	bool rw;
	struct isa_num n;
	if (!opname)
		return fail_at(a, "an operator", p);
	if (!strcmp(opname, "="))
		return k_assign_rhs(a, p, dst, w);
	int rc = isa_lex_reg(a, &p, &r, &rw);
	if (rc < 0)
		return -1;
	struct xbpf_insn in = isa_asm_encode(isa_asm_find(rc ? FORM_ALU_X : FORM_ALU_K, !w,
							  opname, NULL));
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)(rc ? r : 0);
	if (!rc && (isa_lex_num(a, &p, &n) != 1 || imm_for(a, &n, !w, &in.imm)))
		return fail_at(a, "a register or an immediate", p);
	return emit(a, &in, p);
}

/* ---- stores, atomics, jumps ------------------------------------------------------------ */
static int k_store(struct isa_asm *a, const char *p)
{
	char type[8];
	unsigned d, s;
	int16_t off;
	if (mem_type(a, &p, type, sizeof type) || isa_lex_mem_kernel(a, &p, &d, &off))
		return -1;
	if (!isa_lex_lit(&p, "="))
		return fail_at(a, "'='", p);
	int rc = isa_lex_reg(a, &p, &s, NULL);
	if (rc < 0)
		return -1;
	int op = isa_asm_find(rc ? FORM_STX : FORM_ST, -1, type, NULL);
	if (op < 0)
		return isa_asm_error(a, "no store of type '%s'", type);
	struct xbpf_insn in = isa_asm_encode(op);
	struct isa_num n;
	in.dst_reg = (uint8_t)d;
	in.off = off;
	in.src_reg = (uint8_t)(rc ? s : 0);
	if (!rc && (isa_lex_num(a, &p, &n) != 1 || imm_for(a, &n, !strcmp(type, "u64"), &in.imm)))
		return fail_at(a, "a register or an immediate", p);
	return emit(a, &in, p);
}

static int k_lock(struct isa_asm *a, const char *p)
{
	char type[8];
	unsigned d, s;
	int16_t off;
	if (!isa_lex_lit(&p, "*") || mem_type(a, &p, type, sizeof type) ||
	    isa_lex_mem_kernel(a, &p, &d, &off))
		return fail_at(a, "'*(u64 *)(rN + off)'", p);
	const char *opname = match_op(&p, FORM_ATOMIC);
	if (!opname || isa_lex_reg(a, &p, &s, NULL) != 1)
		return fail_at(a, "an operator and a register", p);
	unsigned size = !strcmp(type, "u32") ? XBPF_W : !strcmp(type, "u64") ? XBPF_DW : 1;
	for (int op = 0; op < XOP__COUNT; op++) {
		const struct isa_op *row = &isa_table[op];
		if (row->form != FORM_ATOMIC || XBPF_SIZE(row->code) != size ||
		    strcmp(row->ksym, opname) || (row->imm.value & XBPF_FETCH))
			continue;
		struct xbpf_insn in = isa_asm_encode(op);
		in.dst_reg = (uint8_t)d;
		in.src_reg = (uint8_t)s;
		in.off = off;
		return emit(a, &in, p);
	}
	return isa_asm_error(a, "no atomic '%s' on %s", opname, type);
}

static int k_if(struct isa_asm *a, const char *p)
{
	unsigned d, s;
	bool w, sw;
	struct isa_num n;
	if (isa_lex_reg(a, &p, &d, &w) != 1)
		return fail_at(a, "a register", p);
	const char *cmp = match_op(&p, FORM_JCOND_K);
	if (!cmp)
		return fail_at(a, "a comparison", p);
	int rc = isa_lex_reg(a, &p, &s, &sw);
	if (rc < 0)
		return -1;
	struct xbpf_insn in = isa_asm_encode(isa_asm_find(rc ? FORM_JCOND_X : FORM_JCOND_K, !w,
							  cmp, NULL));
	in.dst_reg = (uint8_t)d;
	in.src_reg = (uint8_t)(rc ? s : 0);
	/* bpftool prints the immediate of a comparison as 32-bit hex (0xfffffff8 for -8) */
	if (!rc && (isa_lex_num(a, &p, &n) != 1 || isa_num_imm32(a, &n, &in.imm, "immediate")))
		return fail_at(a, "a register or an immediate", p);
	if (!isa_lex_word(&p, "goto"))
		return fail_at(a, "'goto'", p);
	long idx = isa_asm_emit(a, &in);
	if (idx < 0 || isa_lex_target(a, &p, (size_t)idx, FIX_OFF))
		return -1;
	return finish(a, p);
}

static int k_goto(struct isa_asm *a, const char *p, int op)
{
	struct xbpf_insn in = isa_asm_encode(op);
	long idx = isa_asm_emit(a, &in);
	if (idx < 0 || isa_lex_target(a, &p, (size_t)idx, op == XOP_JA ? FIX_OFF : FIX_IMM))
		return -1;
	return finish(a, p);
}

int isa_asm_kernel_line(struct isa_asm *a, const char *p)
{
	unsigned d;
	bool w;
	if (isa_lex_word(&p, "if"))
		return k_if(a, p);
	if (isa_lex_word(&p, "goto"))
		return k_goto(a, p, XOP_JA);
	if (isa_lex_word(&p, "gotol"))
		return k_goto(a, p, XOP_JA32);
	if (isa_lex_word(&p, "callx")) {
		bool in_imm = isa_lex_word(&p, "imm");
		return isa_asm_callx(a, p, in_imm);
	}
	if (isa_lex_word(&p, "lock"))
		return k_lock(a, p);
	if (isa_lex_lit(&p, "*"))
		return k_store(a, p);
	int rc = isa_lex_reg(a, &p, &d, &w);
	if (rc != 1)
		return rc < 0 ? -1 : fail_at(a, "an instruction", p);
	return k_assign(a, p, d, w);
}
