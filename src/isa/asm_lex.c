/* asm_lex.c - the assembler's lexer: a cursor over one line of text.
 *
 * Every isa_lex_* function skips leading blanks, consumes its token only on success and
 * leaves the cursor where it was otherwise, so the syntax files can try alternatives in
 * turn. Numbers are read with overflow checks (a magnitude and a sign); the range of each
 * field is checked when the number is converted, so messages can name the field.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "asm_internal.h"

static const char *skip(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
		p++;
	return p;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

bool isa_lex_lit(const char **p, const char *lit)
{
	const char *q = skip(*p);
	size_t n = strlen(lit);
	if (strncmp(q, lit, n))
		return false;
	*p = q + n;
	return true;
}

bool isa_lex_word(const char **p, const char *word)
{
	const char *q = skip(*p);
	size_t n = strlen(word);
	if (strncmp(q, word, n) || ident_char(q[n]))
		return false;
	*p = q + n;
	return true;
}

bool isa_lex_end(const char **p)
{
	return *skip(*p) == 0;
}

bool isa_lex_ident(const char **p, const char **s, size_t *len)
{
	const char *q = skip(*p);
	if (!(isalpha((unsigned char)*q) || *q == '_' || *q == '.' || *q == '$'))
		return false;
	const char *e = q;
	while (ident_char(*e))
		e++;
	*s = q;
	*len = (size_t)(e - q);
	*p = e;
	return true;
}

const char *isa_lex_rest(const char *p, char *buf, size_t size)
{
	p = skip(p);
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n > 40)
		snprintf(buf, size, "%.37s...", p);
	else
		snprintf(buf, size, "%.*s", (int)n, p);
	return buf;
}

int isa_lex_reg(struct isa_asm *a, const char **p, unsigned *r, bool *w)
{
	const char *q = skip(*p);
	if (*q == '%')
		q++;
	if (*q != 'r' && *q != 'w')
		return 0;
	bool is_w = *q == 'w';
	const char *d = q + 1;
	if (!isdigit((unsigned char)*d))
		return 0;
	unsigned v = 0;
	const char *e = d;
	while (isdigit((unsigned char)*e) && e - d < 4)
		v = v * 10 + (unsigned)(*e++ - '0');
	if (ident_char(*e))
		return 0; /* "r1x", "w0abc": not a register */
	if (v > 10 || e - d > 2 || (e - d == 2 && *d == '0')) {
		isa_asm_error(a, "bad register '%.*s' (r0-r10)", (int)(e - skip(*p)), skip(*p));
		return -1;
	}
	*r = v;
	if (w)
		*w = is_w;
	*p = e;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

int isa_lex_num(struct isa_asm *a, const char **p, struct isa_num *n)
{
	const char *q = skip(*p);
	bool neg = false;
	if (*q == '-' || *q == '+') {
		neg = *q == '-';
		q = skip(q + 1);
	}
	if (!isdigit((unsigned char)*q))
		return 0;
	unsigned base = 10;
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && hexval(q[2]) >= 0) {
		base = 16;
		q += 2;
	}
	uint64_t v = 0;
	const char *start = q;
	for (int d; (d = hexval(*q)) >= 0 && (unsigned)d < base; q++) {
		if (v > (UINT64_MAX - (unsigned)d) / base) {
			isa_asm_error(a, "number '%.*s' out of range", (int)(q - start + 1), start);
			return -1;
		}
		v = v * base + (unsigned)d;
	}
	if (ident_char(*q)) {
		isa_asm_error(a, "bad number '%.*s'", (int)(q - start + 1), start);
		return -1;
	}
	n->mag = v;
	n->neg = neg && v;
	*p = q;
	return 1;
}

int isa_num_imm32(struct isa_asm *a, const struct isa_num *n, int32_t *out, const char *what)
{
	/* -2^31 .. 2^32-1: negative values and unsigned 32-bit patterns both fit */
	if (n->neg ? n->mag > 0x80000000ull : n->mag > 0xffffffffull) {
		isa_asm_error(a, "%s %s%" PRIu64 " out of range (32 bits)", what,
			      n->neg ? "-" : "", n->mag);
		return -1;
	}
	*out = (int32_t)(uint32_t)(n->neg ? 0 - n->mag : n->mag);
	return 0;
}

int isa_num_off16(struct isa_asm *a, const struct isa_num *n, int16_t *out, const char *what)
{
	if (n->neg ? n->mag > 0x8000 : n->mag > 0x7fff) {
		isa_asm_error(a, "%s %s%" PRIu64 " out of range (-32768..32767)", what,
			      n->neg ? "-" : "", n->mag);
		return -1;
	}
	*out = (int16_t)(n->neg ? -(int32_t)n->mag : (int32_t)n->mag);
	return 0;
}

int isa_num_imm64(struct isa_asm *a, const struct isa_num *n, uint64_t *out)
{
	if (n->neg && n->mag > 0x8000000000000000ull) {
		isa_asm_error(a, "immediate -%" PRIu64 " out of range (64 bits)", n->mag);
		return -1;
	}
	*out = n->neg ? 0 - n->mag : n->mag;
	return 0;
}

/* Store a numeric relative target into off or imm. */
static int put_delta(struct isa_asm *a, const struct isa_num *n, size_t idx,
		     enum isa_fix_kind kind)
{
	struct xbpf_insn *in = &a->insns[idx];
	if (kind == FIX_OFF)
		return isa_num_off16(a, n, &in->off, "jump offset");
	if (n->neg ? n->mag > 0x80000000ull : n->mag > 0x7fffffffull) {
		isa_asm_error(a, "target offset %s%" PRIu64 " out of range (32 bits)",
			      n->neg ? "-" : "", n->mag);
		return -1;
	}
	in->imm = (int32_t)(n->neg ? -(int64_t)n->mag : (int64_t)n->mag);
	return 0;
}

int isa_lex_target(struct isa_asm *a, const char **p, size_t idx, enum isa_fix_kind kind)
{
	struct isa_num n;
	const char *q = *p, *s;
	size_t len;
	isa_lex_word(&q, "pc"); /* bpftool's "pc+3" */
	int r = isa_lex_num(a, &q, &n);
	if (r < 0)
		return -1;
	if (r > 0) {
		if (put_delta(a, &n, idx, kind))
			return -1;
		*p = q;
		return 0;
	}
	q = *p;
	if (!isa_lex_ident(&q, &s, &len)) {
		char buf[48];
		isa_asm_error(a, "expected a jump target (label or +N/-N) at '%s'",
			      isa_lex_rest(q, buf, sizeof buf));
		return -1;
	}
	if (isa_asm_fixup(a, idx, kind, s, len))
		return -1;
	*p = q;
	return 0;
}

static int lex_mem_off(struct isa_asm *a, const char **p, int16_t *off)
{
	const char *q = skip(*p);
	*off = 0;
	if (*q != '+' && *q != '-')
		return 0;
	bool neg = *q == '-';
	q++;
	struct isa_num n;
	int r = isa_lex_num(a, &q, &n);
	if (r <= 0) {
		if (r == 0)
			isa_asm_error(a, "expected an offset after '%c'", neg ? '-' : '+');
		return -1;
	}
	n.neg = n.mag ? neg != n.neg : false;
	if (isa_num_off16(a, &n, off, "offset"))
		return -1;
	*p = q;
	return 0;
}

static int lex_mem(struct isa_asm *a, const char **p, unsigned *r, int16_t *off, char open,
		   char close)
{
	const char *q = *p;
	char buf[48];
	char o[2] = {open, 0}, c[2] = {close, 0};
	if (!isa_lex_lit(&q, o)) {
		isa_asm_error(a, "expected '%c' (memory operand) at '%s'", open,
			      isa_lex_rest(q, buf, sizeof buf));
		return -1;
	}
	int rr = isa_lex_reg(a, &q, r, NULL);
	if (rr <= 0) {
		if (rr == 0)
			isa_asm_error(a, "expected a base register at '%s'",
				      isa_lex_rest(q, buf, sizeof buf));
		return -1;
	}
	if (lex_mem_off(a, &q, off))
		return -1;
	if (!isa_lex_lit(&q, c)) {
		isa_asm_error(a, "expected '%c' at '%s'", close, isa_lex_rest(q, buf, sizeof buf));
		return -1;
	}
	*p = q;
	return 0;
}

int isa_lex_mem_ubpf(struct isa_asm *a, const char **p, unsigned *r, int16_t *off)
{
	return lex_mem(a, p, r, off, '[', ']');
}

int isa_lex_mem_kernel(struct isa_asm *a, const char **p, unsigned *r, int16_t *off)
{
	return lex_mem(a, p, r, off, '(', ')');
}
