/* asm.c - the assembler driver: lines, comments, labels, llvm-objdump columns, fixups.
 *
 * xbpf_asm() reads text one line at a time. A line loses its comment ('#' at the start or
 * after a blank, ';', '//'), then the columns llvm-objdump -d adds (an "  12:" address, the
 * raw instruction bytes, a trailing "<symbol+0x10>"); objdump's header, section and symbol
 * lines are skipped; bpftool's "(b7)" opcode column is dropped too (an "(18)" marks a lddw,
 * which bpftool prints without "ll"). Leading "name:" labels are recorded. What is left is one instruction:
 * ".insn 0x<word>" (a raw 64-bit word), or a line in the kernel syntax or the uBPF syntax,
 * detected per line (isa_asm_is_kernel) and handed to asm_kernel.c or asm_ubpf.c. Label
 * references are fixups, resolved at the end; an undefined "exit" means the first exit
 * instruction, as in the bpf_conformance assembler.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbpf/vm.h"
#include "asm_internal.h"

int isa_asm_error(struct isa_asm *a, const char *fmt, ...)
{
	a->failed = true;
	if (a->err && a->err_size && !a->err[0]) {
		int n = snprintf(a->err, a->err_size, "line %zu: ", a->line);
		if (n >= 0 && (size_t)n < a->err_size) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(a->err + n, a->err_size - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static int oom(struct isa_asm *a)
{
	isa_asm_error(a, "out of memory");
	return -ENOMEM;
}

long isa_asm_emit(struct isa_asm *a, const struct xbpf_insn *in)
{
	if (a->cnt == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct xbpf_insn *n = realloc(a->insns, cap * sizeof *n);
		if (!n)
			return oom(a);
		a->insns = n;
		a->cap = cap;
	}
	a->insns[a->cnt] = *in;
	return (long)a->cnt++;
}

int isa_asm_fixup(struct isa_asm *a, size_t idx, enum isa_fix_kind kind, const char *name,
		  size_t len)
{
	if (a->nfix == a->capfix) {
		size_t cap = a->capfix ? a->capfix * 2 : 16;
		struct isa_fixup *n = realloc(a->fix, cap * sizeof *n);
		if (!n)
			return oom(a);
		a->fix = n;
		a->capfix = cap;
	}
	char *s = strndup(name, len);
	if (!s)
		return oom(a);
	a->fix[a->nfix++] = (struct isa_fixup){idx, a->line, (uint8_t)kind, s};
	return 0;
}

/* ---- labels: open addressing on an FNV-1a hash ------------------------------------------ */
static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static struct isa_label *label_slot(const struct isa_asm *a, const char *s, size_t len)
{
	size_t mask = a->nlab_cap - 1;
	for (size_t i = hash(s, len) & mask;; i = (i + 1) & mask) {
		struct isa_label *l = &a->labels[i];
		if (!l->name || (strlen(l->name) == len && !memcmp(l->name, s, len)))
			return l;
	}
}

static const struct isa_label *label_find(const struct isa_asm *a, const char *s)
{
	if (!a->nlab_cap)
		return NULL;
	const struct isa_label *l = label_slot(a, s, strlen(s));
	return l->name ? l : NULL;
}

static int label_grow(struct isa_asm *a)
{
	size_t cap = a->nlab_cap ? a->nlab_cap * 2 : 64;
	struct isa_label *old = a->labels, *n = calloc(cap, sizeof *n);
	size_t old_cap = a->nlab_cap;
	if (!n)
		return oom(a);
	a->labels = n;
	a->nlab_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].name)
			*label_slot(a, old[i].name, strlen(old[i].name)) = old[i];
	free(old);
	return 0;
}

static int label_add(struct isa_asm *a, const char *s, size_t len)
{
	if ((a->nlab + 1) * 2 > a->nlab_cap && label_grow(a))
		return -ENOMEM;
	struct isa_label *l = label_slot(a, s, len);
	if (l->name)
		return isa_asm_error(a, "label '%s' already defined on line %zu", l->name,
				     l->line);
	if (!(l->name = strndup(s, len)))
		return oom(a);
	l->idx = a->cnt;
	l->line = a->line;
	a->nlab++;
	return 0;
}

static int resolve(struct isa_asm *a)
{
	for (size_t i = 0; i < a->nfix; i++) {
		const struct isa_fixup *f = &a->fix[i];
		const struct isa_label *l = label_find(a, f->name);
		a->line = f->line;
		int64_t to;
		if (l)
			to = (int64_t)l->idx;
		else if (!strcmp(f->name, "exit") && a->first_exit >= 0)
			to = a->first_exit;
		else if (a->insns[f->idx].code == (XBPF_JMP | XBPF_CALL))
			return isa_asm_error(a, "call to '%s': no such label%s", f->name,
					     a->vm ? " or helper" : " (helper names need a VM)");
		else
			return isa_asm_error(a, "undefined label '%s'", f->name);
		int64_t d = to - (int64_t)f->idx - 1;
		if (f->kind == FIX_OFF && (d < INT16_MIN || d > INT16_MAX))
			return isa_asm_error(a, "label '%s' is %" PRId64
					     " instructions away: too far for a 16-bit offset (use ja32/gotol)",
					     f->name, d);
		if (f->kind == FIX_OFF)
			a->insns[f->idx].off = (int16_t)d;
		else
			a->insns[f->idx].imm = (int32_t)d;
	}
	return 0;
}

/* ---- one line --------------------------------------------------------------------------- */
/* Cut the comment off (in place). '#' only counts at the start or after a blank, so the
 * kernel syntax's "call bpf_map_lookup_elem#1" keeps its id. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == ';' || (p[0] == '/' && p[1] == '/') ||
		    (*p == '#' && (p == s || isspace((unsigned char)p[-1])))) {
			*p = 0;
			return;
		}
	}
}

static bool is_hex_byte(const char *p)
{
	return isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
	       (p[2] == ' ' || p[2] == '\t' || p[2] == 0);
}

/* llvm-objdump: skip header/section/symbol/relocation lines (returns NULL), drop the
 * address and raw-byte columns (the bytes go to raw[], their count to *nraw) and a
 * trailing "<sym+0x..>". */
static char *strip_objdump(char *s, uint8_t *raw, size_t *nraw)
{
	char *p = s;
	*nraw = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (!strncmp(p, "Disassembly of section ", 23) || strstr(p, ":\tfile format ") ||
	    strstr(p, ": file format "))
		return NULL;
	char *q = p;
	while (isxdigit((unsigned char)*q))
		q++;
	if (q > p && q[0] == ' ' && q[1] == '<' && q[strlen(q) - 1] == ':')
		return NULL; /* "0000000000000000 <func>:" */
	if (p[0] == '<' && strstr(p, ">:") && !strstr(p, ">:")[2])
		return NULL; /* "<L0>:" of --symbolize-operands */
	q = p;
	while (isdigit((unsigned char)*q))
		q++;
	if (q > p && *q == ':') { /* "  12:" address column */
		p = q + 1;
		while (isspace((unsigned char)*p))
			p++;
		if (!strncmp(p, "R_BPF_", 6))
			return NULL; /* relocation line of objdump -r */
		if (p[0] == '(' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) &&
		    p[3] == ')' && p[4] == ' ') { /* bpftool's "(18) r1 = 0x1234": the opcode */
			raw[0] = (uint8_t)strtoul((char[3]){p[1], p[2], 0}, NULL, 16);
			*nraw = 1;
			return p + 5;
		}
		for (; *nraw < 16 && is_hex_byte(p); (*nraw)++) {
			raw[*nraw] = (uint8_t)strtoul((char[3]){p[0], p[1], 0}, NULL, 16);
			p += 2;
			while (*p == ' ' || *p == '\t')
				p++;
		}
	}
	char *lt = strrchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && lt > p && isspace((unsigned char)lt[-1]) && gt) {
		while (isspace((unsigned char)gt[1]))
			gt++;
		if (!gt[1])
			*lt = 0; /* "goto +3 <LBB0_2>" */
	}
	return p;
}

/* "<unknown>": llvm-objdump could not print the instruction; its raw bytes, when the
 * listing has them, are the instruction. */
static int objdump_unknown(struct isa_asm *a, const uint8_t *raw, size_t nraw)
{
	if (nraw != 8 && nraw != 16)
		return isa_asm_error(a, "llvm-objdump could not decode this instruction: "
				     "run it without --no-show-raw-insn");
	for (size_t i = 0; i < nraw; i += 8) {
		struct xbpf_insn in;
		memcpy(&in, raw + i, sizeof in);
		if (isa_asm_emit(a, &in) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ".insn 0x<word>": one raw instruction word. */
static int raw_word(struct isa_asm *a, const char *p)
{
	struct isa_num n;
	char buf[48];
	int r = isa_lex_num(a, &p, &n);
	if (r < 0)
		return -EINVAL;
	if (r == 0 || n.neg || !isa_lex_end(&p))
		return isa_asm_error(a, "expected '.insn 0x<16 hex digits>' at '%s'",
				     isa_lex_rest(p, buf, sizeof buf));
	struct xbpf_insn in = {
		.code = (uint8_t)n.mag,
		.dst_reg = (uint8_t)(n.mag >> 8) & 0xf,
		.src_reg = (uint8_t)(n.mag >> 12) & 0xf,
		.off = (int16_t)(uint16_t)(n.mag >> 16),
		.imm = (int32_t)(uint32_t)(n.mag >> 32),
	};
	return isa_asm_emit(a, &in) < 0 ? -ENOMEM : 0;
}

static int do_line(struct isa_asm *a, char *line)
{
	uint8_t raw[16];
	size_t nraw;
	strip_comment(line);
	const char *p = strip_objdump(line, raw, &nraw);
	if (!p)
		return 0;
	for (;;) { /* leading labels */
		const char *q = p, *s;
		size_t len;
		if (!isa_lex_ident(&q, &s, &len) || !isa_lex_lit(&q, ":"))
			break;
		if (label_add(a, s, len))
			return -EINVAL;
		p = q;
	}
	if (isa_lex_end(&p))
		return 0;
	size_t before = a->cnt;
	int err;
	a->lddw_hint = nraw == 1 && raw[0] == (XBPF_LD | XBPF_IMM | XBPF_DW);
	if (isa_lex_word(&p, ".insn"))
		err = raw_word(a, p);
	else if (isa_lex_lit(&p, "<unknown>"))
		err = objdump_unknown(a, raw, nraw);
	else if (isa_asm_is_kernel(p))
		err = isa_asm_kernel_line(a, p);
	else
		err = isa_asm_ubpf_line(a, p);
	if (!err && a->first_exit < 0 && a->cnt > before && a->insns[before].code == 0x95)
		a->first_exit = (int64_t)before;
	return err;
}

static void asm_free(struct isa_asm *a)
{
	for (size_t i = 0; i < a->nfix; i++)
		free(a->fix[i].name);
	for (size_t i = 0; i < a->nlab_cap; i++)
		free(a->labels[i].name);
	free(a->fix);
	free(a->labels);
}

int xbpf_asm(const char *text, const struct xbpf_vm *vm, struct xbpf_insn **out, size_t *cnt,
	     char *err, size_t err_size)
{
	if (err && err_size)
		err[0] = 0;
	if (!text || !out || !cnt)
		return -EINVAL;
	struct isa_asm a = {.vm = vm, .first_exit = -1, .err = err, .err_size = err_size};
	char *line = NULL;
	size_t line_cap = 0;
	int rc = 0;
	for (const char *p = text; *p && !rc;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len + 1 > line_cap) {
			char *n = realloc(line, len + 1);
			if (!n) {
				rc = oom(&a);
				break;
			}
			line = n;
			line_cap = len + 1;
		}
		memcpy(line, p, len);
		line[len] = 0;
		a.line++;
		rc = do_line(&a, line);
		p = e ? e + 1 : p + len;
	}
	free(line);
	if (!rc)
		rc = resolve(&a);
	asm_free(&a);
	if (rc) {
		free(a.insns);
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	*out = a.insns ? a.insns : calloc(1, sizeof **out);
	*cnt = a.cnt;
	if (!*out)
		return -ENOMEM;
	return 0;
}

/* ---- the table, as the syntax files need it -------------------------------------------- */
int isa_asm_find(uint8_t form, int is64, const char *ksym, const char *ubpf)
{
	for (int op = 0; op < XOP__COUNT; op++) {
		const struct isa_op *row = &isa_table[op];
		if (row->form != form || (is64 >= 0 && isa_is_64((uint16_t)op) != (bool)is64))
			continue;
		if ((ksym && strcmp(ksym, row->ksym)) || (ubpf && strcmp(ubpf, row->ubpf)))
			continue;
		return op;
	}
	return -1;
}

int isa_asm_find_eq(uint8_t form, int is64, const char *ksym, char field, int32_t value)
{
	for (int op = 0; op < XOP__COUNT; op++) {
		const struct isa_op *row = &isa_table[op];
		if (row->form != form || (is64 >= 0 && isa_is_64((uint16_t)op) != (bool)is64))
			continue;
		if (ksym && strcmp(ksym, row->ksym))
			continue;
		const struct isa_rule *r = field == 'o' ? &row->off : field == 'i' ? &row->imm
								  : &row->src;
		if (r->kind == RULE_EQ && r->value == value)
			return op;
	}
	return -1;
}

struct xbpf_insn isa_asm_encode(int op)
{
	const struct isa_op *row = &isa_table[op];
	struct xbpf_insn in = {.code = row->code};
	if (row->dst.kind == RULE_EQ)
		in.dst_reg = (uint8_t)row->dst.value;
	if (row->src.kind == RULE_EQ)
		in.src_reg = (uint8_t)row->src.value;
	if (row->off.kind == RULE_EQ)
		in.off = (int16_t)row->off.value;
	if (row->imm.kind == RULE_EQ)
		in.imm = row->imm.value;
	return in;
}
