/* test_asm.c - assembler and disassembler: round trips, both syntaxes, objdump, errors.
 *
 *  - every conformance program assembles, disassembles in both syntaxes (with and without
 *    labels) and re-assembles to the same bytes; a "-- raw" section must match exactly;
 *  - every row of the instruction table, with edge values in each free field, round-trips
 *    in both syntaxes; random words (mostly invalid) round-trip through ".insn";
 *  - llvm-objdump's text of real objects assembles to the bytes of their sections;
 *  - hand-checked encodings of both syntaxes, and error messages for bad input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xbpf/vm.h"
#include "isa/isa.h"
#include "t.h"

#ifndef XBPF_SHARED_DIR
#define XBPF_SHARED_DIR "/work/shared"
#endif

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static bool same(const struct xbpf_insn *a, size_t na, const struct xbpf_insn *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof *a));
}

/* Disassemble `insns` in `syntax` and assemble the text again: same bytes? On a mismatch
 * the text and the error go to stderr. */
static bool roundtrip(const struct xbpf_insn *insns, size_t cnt, enum xbpf_syntax syntax,
		      bool labels, const char *what)
{
	char *text = xbpf_disasm(insns, cnt, syntax, labels, NULL);
	struct xbpf_insn *again = NULL;
	size_t n = 0;
	char err[256];
	bool ok = text && xbpf_asm(text, NULL, &again, &n, err, sizeof err) == 0 &&
		  same(insns, cnt, again, n);
	if (!ok) {
		fprintf(stderr, "%s: %s syntax%s round trip failed (%s)\n%s\n", what,
			syntax == XBPF_SYNTAX_KERNEL ? "kernel" : "ubpf", labels ? " +labels" : "",
			text ? err : "no text", text ? text : "");
		for (size_t i = 0; again && i < n && i < cnt; i++)
			if (memcmp(&insns[i], &again[i], sizeof *insns)) {
				char b[128];
				xbpf_disasm_insn(insns, cnt, i, syntax, NULL, b, sizeof b);
				fprintf(stderr, "  first difference at %zu: %s\n", i, b);
				break;
			}
	}
	free(text);
	free(again);
	return ok;
}

static bool roundtrip_all(const struct xbpf_insn *insns, size_t cnt, const char *what)
{
	bool ok = true;
	for (int s = 0; s < 2; s++)
		for (int l = 0; l < 2; l++)
			ok &= roundtrip(insns, cnt, s ? XBPF_SYNTAX_KERNEL : XBPF_SYNTAX_UBPF, l, what);
	return ok;
}

/* The text between "-- name" and the next "--" line of a conformance file (malloc'ed). */
static char *section(const char *data, const char *name)
{
	char hdr[32];
	snprintf(hdr, sizeof hdr, "-- %s\n", name);
	const char *s = strstr(data, hdr);
	if (!s)
		return NULL;
	s += strlen(hdr);
	const char *e = s;
	while (*e && !(e[0] == '-' && e[1] == '-' && (e == s || e[-1] == '\n')))
		e++;
	return strndup(s, (size_t)(e - s));
}

static void test_conformance_roundtrip(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/conformance/tests", XBPF_SHARED_DIR);
	DIR *d = opendir(dir);
	if (!d)
		T_SKIP("conformance tests not found");
	int files = 0, ok = 0, raw = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".data"))
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		char *data = read_all(path, NULL), *asm_text = data ? section(data, "asm") : NULL;
		files++;
		struct xbpf_insn *insns = NULL;
		size_t cnt = 0;
		char err[256];
		bool good = asm_text && xbpf_asm(asm_text, NULL, &insns, &cnt, err, sizeof err) == 0;
		if (!good)
			fprintf(stderr, "%s: %s\n", de->d_name, asm_text ? err : "no asm section");
		char *raw_text = data ? section(data, "raw") : NULL;
		if (good && raw_text) { /* "0x<word>" lines: exactly these bytes */
			struct xbpf_insn *want = NULL;
			size_t nwant = 0;
			char *as_insn = malloc(strlen(raw_text) * 2 + 16), *o = as_insn;
			for (const char *p = raw_text; as_insn && *p;) {
				const char *e = strchr(p, '\n');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				if (l)
					o += sprintf(o, ".insn %.*s\n", (int)l, p);
				p += l + (e != NULL);
			}
			good = as_insn && xbpf_asm(as_insn, NULL, &want, &nwant, err, sizeof err) == 0 &&
			       same(insns, cnt, want, nwant);
			if (!good)
				fprintf(stderr, "%s: bytes differ from the raw section\n", de->d_name);
			raw += good;
			free(as_insn);
			free(want);
		}
		good = good && roundtrip_all(insns, cnt, de->d_name);
		ok += good;
		free(insns);
		free(raw_text);
		free(asm_text);
		free(data);
	}
	closedir(d);
	printf("conformance programs: %d/%d round-trip in both syntaxes; %d raw sections match\n",
	       ok, files, raw);
	T_CHECK(files >= 313);
	T_EQ(ok, files);
	T_CHECK(raw >= 1);
}

/* Edge values for a field with rule r; returns how many were written to v. */
static int edge_values(const struct isa_rule *r, int bits, int64_t *v)
{
	switch (r->kind) {
	case RULE_ZERO: v[0] = 0; return 1;
	case RULE_EQ: v[0] = r->value; return 1;
	case RULE_REG: v[0] = 0; v[1] = 10; v[2] = 5; return 3;
	case RULE_WREG: v[0] = 0; v[1] = 9; return 2;
	case RULE_PSEUDO: for (int i = 0; i <= 6; i++) v[i] = i; return 7;
	case RULE_CALLX: v[0] = 0; v[1] = 3; return 2;
	default:
		if (bits == 16) {
			v[0] = 0; v[1] = -1; v[2] = INT16_MIN; v[3] = INT16_MAX; v[4] = 17;
		} else {
			v[0] = 0; v[1] = -1; v[2] = INT32_MIN; v[3] = INT32_MAX; v[4] = 0x10000;
		}
		return 5;
	}
}

static void test_table_rows(void)
{
	int instances = 0, failed = 0;
	for (int op = 0; op < XOP__COUNT; op++) {
		const struct isa_op *row = &isa_table[op];
		int64_t dv[8], sv[8], ov[8], iv[8];
		int nd = edge_values(&row->dst, 4, dv), ns = edge_values(&row->src, 4, sv);
		int no = edge_values(&row->off, 16, ov), ni = edge_values(&row->imm, 32, iv);
		for (int a = 0; a < nd; a++)
			for (int b = 0; b < ns; b++)
				for (int c = 0; c < no; c++)
					for (int d = 0; d < ni; d++) {
			struct xbpf_insn p[3] = {{.code = row->code, .dst_reg = (uint8_t)dv[a],
						  .src_reg = (uint8_t)sv[b], .off = (int16_t)ov[c],
						  .imm = (int32_t)iv[d]}};
			if (row->form == FORM_CALLX && p[0].imm) /* LLVM encoding: reg in imm */
				p[0].dst_reg = 0;
			size_t cnt = 1;
			if (row->form == FORM_LDDW)
				p[cnt++].imm = (int32_t)iv[(d + 1) % ni];
			p[cnt++].code = 0x95; /* exit: a valid neighbour for labels */
			if (isa_check_fields((uint16_t)op, p) || isa_decode(p) != op)
				continue; /* e.g. callx with both dst and imm */
			char buf[160], what[200];
			int r = xbpf_disasm_insn(p, cnt, 0, XBPF_SYNTAX_KERNEL, NULL, buf, sizeof buf);
			snprintf(what, sizeof what, "row %s (%s)", row->id, buf);
			T_CHECK(r > 0);
			instances++;
			if (!roundtrip_all(p, cnt, what))
				failed++;
		}
	}
	printf("table rows: %d rows, %d instances, %d failed\n", XOP__COUNT, instances, failed);
	T_CHECK(instances > XOP__COUNT);
	T_EQ(failed, 0);
}

/* Random words (most invalid) round-trip too: ".insn" for those that are not valid. */
static void test_random_words(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct xbpf_insn p[64];
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < 64; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			memcpy(&p[i], &s, sizeof p[i]);
			if (round % 2) { /* valid opcode bytes, small fields: more valid insns */
				p[i].code = isa_table[(s >> 40) % XOP__COUNT].code;
				p[i].off = (int16_t)((int16_t)p[i].off % 80);
			}
		}
		char what[32];
		snprintf(what, sizeof what, "random round %d", round);
		T_CHECK(roundtrip_all(p, 64, what));
	}
}

static void check_asm(const char *text, uint64_t w0, uint64_t w1)
{
	struct xbpf_insn *p = NULL;
	size_t n = 0;
	char err[256];
	int r = xbpf_asm(text, NULL, &p, &n, err, sizeof err);
	if (r)
		fprintf(stderr, "'%s': %s\n", text, err);
	T_EQ(r, 0);
	if (!r) {
		T_EQ(n, (w1 || (w0 & 0xff) == 0x18) ? 2 : 1);
		uint64_t g0 = 0, g1 = 0;
		memcpy(&g0, &p[0], 8);
		if (n > 1)
			memcpy(&g1, &p[1], 8);
		if (g0 != w0 || g1 != w1)
			fprintf(stderr, "'%s' assembled to 0x%016llx 0x%016llx\n", text,
				(unsigned long long)g0, (unsigned long long)g1);
		T_EQ(g0, w0);
		T_EQ(g1, w1);
	}
	free(p);
}

/* Words as the conformance "-- raw" sections write them: code | regs << 8 | off << 16 |
 * imm << 32 (little-endian memory order). */
#define W(code, dst, src, off, imm) \
	((uint64_t)(code) | (uint64_t)(dst) << 8 | (uint64_t)(src) << 12 | \
	 (uint64_t)(uint16_t)(off) << 16 | (uint64_t)(uint32_t)(imm) << 32)

static void test_ubpf_examples(void)
{
	check_asm("mov %r0, 1", W(0xb7, 0, 0, 0, 1), 0);
	check_asm("add32 %r1, %r2", W(0x0c, 1, 2, 0, 0), 0);
	check_asm("ldxw %r0, [%r1+4]", W(0x61, 0, 1, 4, 0), 0);
	check_asm("stxdw [%r10-8], %r1", W(0x7b, 10, 1, -8, 0), 0);
	check_asm("stw [%r1+2], 5", W(0x62, 1, 0, 2, 5), 0);
	check_asm("lddw %r0, 0x1122334455667788", W(0x18, 0, 0, 0, 0x55667788),
		  W(0, 0, 0, 0, 0x11223344));
	check_asm("jeq %r1, 0, +3", W(0x15, 1, 0, 3, 0), 0);
	check_asm("ja +3", W(0x05, 0, 0, 3, 0), 0);
	check_asm("L1: ja32 L1", W(0x06, 0, 0, 0, -1), 0);
	check_asm("call 5", W(0x85, 0, 0, 0, 5), 0);
	check_asm("call local f\nf: exit", W(0x85, 0, 1, 0, 0), W(0x95, 0, 0, 0, 0));
	check_asm("call %r2", W(0x8d, 2, 0, 0, 0), 0);
	check_asm("callx %r2", W(0x8d, 0, 0, 0, 2), 0);
	check_asm("exit", W(0x95, 0, 0, 0, 0), 0);
	check_asm("neg %r0", W(0x87, 0, 0, 0, 0), 0);
	check_asm("le16 %r0", W(0xd4, 0, 0, 0, 16), 0);
	check_asm("be32 %r0", W(0xdc, 0, 0, 0, 32), 0);
	check_asm("bswap64 %r0", W(0xd7, 0, 0, 0, 64), 0);
	check_asm("swap16 %r3", W(0xd7, 3, 0, 0, 16), 0);
	check_asm("movsx832 %r0, %r1", W(0xbc, 0, 1, 8, 0), 0);
	check_asm("movsx3264 %r0, %r1", W(0xbf, 0, 1, 32, 0), 0);
	check_asm("sdiv %r0, 3", W(0x37, 0, 0, 1, 3), 0);
	check_asm("smod32 %r0, %r2", W(0x9c, 0, 2, 1, 0), 0);
	check_asm("ldxsw %r0, [%r1-2]", W(0x81, 0, 1, -2, 0), 0);
	check_asm("lock add [%r10-8], %r1", W(0xdb, 10, 1, -8, 0), 0);
	check_asm("lock fetch add32 [%r10-4], %r1", W(0xc3, 10, 1, -4, 1), 0);
	check_asm("lock xchg [%r10-8], %r1", W(0xdb, 10, 1, -8, 0xe1), 0);
	check_asm("lock cmpxchg32 [%r10-8], %r1", W(0xc3, 10, 1, -8, 0xf1), 0);
	check_asm("ldabsw 12", W(0x20, 0, 0, 0, 12), 0);
	check_asm("ldindh %r2, 4", W(0x48, 0, 2, 0, 4), 0);
	check_asm("mov32 %r0, 0xffffffff", W(0xb4, 0, 0, 0, -1), 0);
	check_asm("mov %r0, -1 # comment", W(0xb7, 0, 0, 0, -1), 0);
	check_asm("add64 %r1, 2", W(0x07, 1, 0, 0, 2), 0);
	check_asm("lddw %r1, map_fd(3)", W(0x18, 1, 1, 0, 3), 0);
	check_asm("lddw %r1, map_value(3, 16)", W(0x18, 1, 2, 0, 3), W(0, 0, 0, 0, 16));
	check_asm("call kfunc 7", W(0x85, 0, 2, 0, 7), 0);
	check_asm(".insn 0x00000000000000ff", W(0xff, 0, 0, 0, 0), 0);
	/* "exit" without a label of that name: the first exit instruction */
	check_asm("jne %r0, 0, exit\nexit", W(0x55, 0, 0, 0, 0), W(0x95, 0, 0, 0, 0));
}

static void test_kernel_examples(void)
{
	check_asm("r0 = 1", W(0xb7, 0, 0, 0, 1), 0);
	check_asm("w0 = w1", W(0xbc, 0, 1, 0, 0), 0);
	check_asm("r1 += 8", W(0x07, 1, 0, 0, 8), 0);
	check_asm("w2 s/= w3", W(0x3c, 2, 3, 1, 0), 0);
	check_asm("r2 s%= -3", W(0x97, 2, 0, 1, -3), 0);
	check_asm("r3 s>>= 5", W(0xc7, 3, 0, 0, 5), 0);
	check_asm("r1 = -r1", W(0x87, 1, 0, 0, 0), 0);
	check_asm("w1 = -w1", W(0x84, 1, 0, 0, 0), 0);
	check_asm("r1 = -5", W(0xb7, 1, 0, 0, -5), 0);
	check_asm("r1 = be16 r1", W(0xdc, 1, 0, 0, 16), 0);
	check_asm("r1 = bswap32 r1", W(0xd7, 1, 0, 0, 32), 0);
	check_asm("r1 = le64 r1", W(0xd4, 1, 0, 0, 64), 0);
	check_asm("r0 = (s8)r1", W(0xbf, 0, 1, 8, 0), 0);
	check_asm("w0 = (s16)w1", W(0xbc, 0, 1, 16, 0), 0);
	check_asm("r1 = *(u32 *)(r1 + 0)", W(0x61, 1, 1, 0, 0), 0);
	check_asm("r1 = *(s16 *)(r10 - 8)", W(0x89, 1, 10, -8, 0), 0);
	check_asm("*(u64 *)(r10 - 8) = r1", W(0x7b, 10, 1, -8, 0), 0);
	check_asm("*(u32 *)(r1 + 4) = 7", W(0x62, 1, 0, 4, 7), 0);
	check_asm("if r1 > 0x10 goto +3", W(0x25, 1, 0, 3, 0x10), 0);
	check_asm("if w1 s< w2 goto -5", W(0xce, 1, 2, -5, 0), 0);
	check_asm("if r1 & 4 goto pc+1", W(0x45, 1, 0, 1, 4), 0);
	check_asm("goto +2", W(0x05, 0, 0, 2, 0), 0);
	check_asm("gotol +100", W(0x06, 0, 0, 0, 100), 0);
	check_asm("call 1", W(0x85, 0, 0, 0, 1), 0);
	check_asm("call bpf_map_lookup_elem#1", W(0x85, 0, 0, 0, 1), 0);
	check_asm("call pc+3", W(0x85, 0, 1, 0, 3), 0);
	check_asm("call -1", W(0x85, 0, 1, 0, -1), 0);
	check_asm("call helper -1", W(0x85, 0, 0, 0, -1), 0);
	check_asm("callx r2", W(0x8d, 2, 0, 0, 0), 0);
	check_asm("r1 = 0x1234 ll", W(0x18, 1, 0, 0, 0x1234), W(0, 0, 0, 0, 0));
	check_asm("r1 = -4294967296 ll", W(0x18, 1, 0, 0, 0), W(0, 0, 0, 0, -1));
	check_asm("lock *(u32 *)(r1 + 0) += r2", W(0xc3, 1, 2, 0, 0), 0);
	check_asm("lock *(u64 *)(r1 + 8) |= r2", W(0xdb, 1, 2, 8, 0x40), 0);
	check_asm("r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)", W(0xdb, 1, 2, 0, 1), 0);
	check_asm("w2 = atomic_fetch_xor((u32 *)(r1 - 4), w2)", W(0xc3, 1, 2, -4, 0xa1), 0);
	check_asm("r0 = cmpxchg_64(r1 + 0, r0, r2)", W(0xdb, 1, 2, 0, 0xf1), 0);
	check_asm("r2 = xchg32_32(r1 + 0, r2)", W(0xc3, 1, 2, 0, 0xe1), 0);
	check_asm("r2 = atomic64_xchg((u64 *)(r1 +8), r2)", W(0xdb, 1, 2, 8, 0xe1), 0);
	check_asm("r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r3)", W(0xdb, 1, 3, 0, 0xf1), 0);
	check_asm("r0 = *(u8 *)skb[12]", W(0x30, 0, 0, 0, 12), 0);
	check_asm("r0 = *(u16 *)skb[r2 + 4]", W(0x48, 0, 2, 0, 4), 0);
	check_asm("r0 = *(u32 *)skb[r3]", W(0x40, 0, 3, 0, 0), 0);
	/* llvm-objdump -d lines, with address, raw bytes and symbol columns */
	check_asm("      14:\t15 00 01 00 00 00 00 00\tif r0 == 0 goto +1 <tail+0x80>",
		  W(0x15, 0, 0, 1, 0), 0);
	check_asm("x.o:\tfile format elf64-bpf\n\nDisassembly of section xdp:\n\n"
		  "0000000000000000 <prog>:\n       0:\tb7 00 00 00 02 00 00 00\tr0 = 2\n",
		  W(0xb7, 0, 0, 0, 2), 0);
	check_asm("       5:\tr1 = 0 ll\n", W(0x18, 1, 0, 0, 0), W(0, 0, 0, 0, 0));
	/* llvm's alu32 spellings of loads, stores and atomics; pseudo lddw; LLVM's callx */
	check_asm("w1 = *(u8 *)(r2 + 1)", W(0x71, 1, 2, 1, 0), 0);
	check_asm("*(u32 *)(r10 - 4) = w1", W(0x63, 10, 1, -4, 0), 0);
	check_asm("lock *(u32 *)(r1 + 0) += w2", W(0xc3, 1, 2, 0, 0), 0);
	check_asm("w3 = atomic_fetch_and((u32 *)(r1 +0), w3)", W(0xc3, 1, 3, 0, 0x51), 0);
	check_asm("r1 = map_value(2, 8) ll", W(0x18, 1, 2, 0, 2), W(0, 0, 0, 0, 8));
	check_asm("r2 = func(pc+1) ll", W(0x18, 2, 4, 0, 1), 0);
	check_asm("callx imm r2", W(0x8d, 0, 0, 0, 2), 0);
	check_asm("call kfunc 9", W(0x85, 0, 2, 0, 9), 0);
	/* both syntaxes in one text, labels shared */
	check_asm("top: r0 = 0\nja top", W(0xb7, 0, 0, 0, 0), W(0x05, 0, 0, -2, 0));
	/* bpftool prog dump: "(op)" column, lddw without ll, hex compare immediates */
	check_asm("   0: (18) r1 = 0x100000002", W(0x18, 1, 0, 0, 2), W(0, 0, 0, 0, 1));
	check_asm("   2: (15) if r1 == 0xfffffff8 goto pc+1", W(0x15, 1, 0, 1, -8), 0);
	check_asm("   3: (7b) *(u64 *)(r10 -8) = r1", W(0x7b, 10, 1, -8, 0), 0);
}

static void check_err(const char *text, const char *want)
{
	struct xbpf_insn *p = (struct xbpf_insn *)1;
	size_t n = 77;
	char err[256] = "";
	int r = xbpf_asm(text, NULL, &p, &n, err, sizeof err);
	T_EQ(r, -EINVAL);
	T_CONTAINS(err, want);
	T_CHECK(p == (struct xbpf_insn *)1 && n == 77); /* untouched on failure */
}

static void test_errors(void)
{
	check_err("mov %r0, 1\nmvo %r0, 1", "line 2: unknown mnemonic 'mvo'");
	check_err("mov %r11, 1", "line 1: bad register '%r11'");
	check_err("r12 = 1", "bad register 'r12'");
	check_err("mov32 %r0, 0x100000000", "line 1: immediate 4294967296 out of range");
	check_err("r1 = 0x80000000", "out of range for a 64-bit operation");
	check_err("ldxw %r0, [%r1+40000]", "offset 40000 out of range");
	check_err("ja nowhere", "line 1: undefined label 'nowhere'");
	check_err("\n\njne %r1, 2, far\n", "line 3: undefined label 'far'");
	check_err("a:\na: exit", "line 2: label 'a' already defined on line 1");
	check_err("lddw %r0, 0x10000000000000000", "out of range");
	check_err("mov %r0", "line 1: expected");
	check_err("exit %r0", "unexpected '%r0'");
	check_err("r1 = *(u128 *)(r1 + 0)", "no load of type 'u128'");
	check_err("if r1 ~ 3 goto +1", "expected a comparison");
	check_err("r0 = -r1", "same register");
	check_err("ldxw %r0, [%r1", "expected ']'");
	check_err(".insn zz", "expected '.insn 0x");
	check_err("lock frob [%r1], %r2", "unknown mnemonic 'lock frob'");
	/* a label more than 32767 instructions away does not fit a 16-bit offset */
	size_t n = 40000;
	char *big = malloc(n * 5 + 32), *o = big;
	o += sprintf(o, "ja end\n");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "exit\n");
	sprintf(o, "end: exit\n");
	check_err(big, "too far for a 16-bit offset");
	free(big);
	/* no crash on odd input */
	struct xbpf_insn *p = NULL;
	size_t cnt;
	T_EQ(xbpf_asm("", NULL, &p, &cnt, NULL, 0), 0);
	T_EQ(cnt, 0);
	free(p);
	T_EQ(xbpf_asm(NULL, NULL, &p, &cnt, NULL, 0), -EINVAL);
	T_EQ(xbpf_asm("%%%\n\t\x01\xff", NULL, &p, &cnt, NULL, 0), -EINVAL);
}

static void test_disasm_text(void)
{
	struct xbpf_insn p[] = {
		{.code = 0x61, .dst_reg = 1, .src_reg = 1, .off = 0},
		{.code = 0xce, .dst_reg = 1, .src_reg = 2, .off = -2},
		{.code = 0x18, .dst_reg = 1, .imm = 0x1234}, {0},
		{.code = 0xdb, .dst_reg = 1, .src_reg = 2, .imm = 1},
		{.code = 0x20, .imm = 12},
		{.code = 0x95},
		{.code = 0xff},
	};
	char b[128];
	T_EQ(xbpf_disasm_insn(p, 8, 0, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b), strlen(b));
	T_STREQ(b, "r1 = *(u32 *)(r1 + 0)");
	xbpf_disasm_insn(p, 8, 1, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b);
	T_STREQ(b, "if w1 s< w2 goto -2");
	xbpf_disasm_insn(p, 8, 1, XBPF_SYNTAX_UBPF, NULL, b, sizeof b);
	T_STREQ(b, "jslt32 %r1, %r2, -2");
	xbpf_disasm_insn(p, 8, 2, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b);
	T_STREQ(b, "r1 = 4660 ll");
	xbpf_disasm_insn(p, 8, 2, XBPF_SYNTAX_UBPF, NULL, b, sizeof b);
	T_STREQ(b, "lddw %r1, 0x1234");
	xbpf_disasm_insn(p, 8, 4, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b);
	T_STREQ(b, "r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)");
	xbpf_disasm_insn(p, 8, 4, XBPF_SYNTAX_UBPF, NULL, b, sizeof b);
	T_STREQ(b, "lock fetch add [%r1], %r2");
	xbpf_disasm_insn(p, 8, 5, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b);
	T_STREQ(b, "r0 = *(u32 *)skb[12]");
	T_EQ(xbpf_disasm_insn(p, 8, 7, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b), -EINVAL);
	T_STREQ(b, ".insn 0x00000000000000ff");
	/* the second half of a lddw alone, and a lddw cut off by the end */
	T_EQ(xbpf_disasm_insn(p, 8, 3, XBPF_SYNTAX_UBPF, NULL, b, sizeof b), -EINVAL);
	T_EQ(xbpf_disasm_insn(p, 3, 2, XBPF_SYNTAX_UBPF, NULL, b, sizeof b), -EINVAL);
	T_STREQ(b, ".insn 0x0000123400000118");
	/* snprintf semantics: a short buffer gets a prefix and the full length back */
	T_EQ(xbpf_disasm_insn(p, 8, 0, XBPF_SYNTAX_KERNEL, NULL, b, 5), 21);
	T_STREQ(b, "r1 =");
	T_EQ(xbpf_disasm_insn(p, 8, 8, XBPF_SYNTAX_KERNEL, NULL, b, sizeof b), -EINVAL);
	char *text = xbpf_disasm(p, 8, XBPF_SYNTAX_UBPF, true, NULL);
	T_CONTAINS(text, "L0:\nldxw %r1, [%r1]\n"); /* jslt at 1 goes to 1 - 2 + 1 = 0 */
	free(text);
	text = xbpf_disasm(p, 8, XBPF_SYNTAX_UBPF, true, NULL);
	T_CONTAINS(text, "jslt32 %r1, %r2, L0\n");
	free(text);
}

static uint64_t ret_first(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct xbpf_run_ctx *rc)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	return r1;
}

static void test_helper_names(void)
{
	struct xbpf_vm_opts o = {.sz = sizeof o, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&o);
	T_CHECK(vm);
	if (!vm)
		return;
	T_EQ(xbpf_vm__register_helper(vm, 1, "bpf_map_lookup_elem", ret_first, NULL), 0);
	struct xbpf_insn call = {.code = 0x85, .imm = 1};
	char b[128];
	xbpf_disasm_insn(&call, 1, 0, XBPF_SYNTAX_KERNEL, vm, b, sizeof b);
	T_STREQ(b, "call bpf_map_lookup_elem#1");
	struct xbpf_insn *p = NULL;
	size_t n = 0;
	char err[128];
	T_EQ(xbpf_asm("call bpf_map_lookup_elem\ncall map_lookup_elem", vm, &p, &n, err,
		      sizeof err), 0);
	T_EQ(n, 2);
	if (n == 2) {
		T_EQ(p[0].imm, 1);
		T_EQ(p[0].src_reg, 0);
		T_EQ(p[1].imm, 1);
	}
	free(p);
	/* without the VM a name is a label: undefined */
	T_EQ(xbpf_asm("call bpf_map_lookup_elem", NULL, &p, &n, err, sizeof err), -EINVAL);
	T_CONTAINS(err, "line 1: call to 'bpf_map_lookup_elem': no such label");
	T_EQ(xbpf_asm("call bpf_nope", vm, &p, &n, err, sizeof err), -EINVAL);
	T_CONTAINS(err, "call to 'bpf_nope': no such label or helper");
	xbpf_vm__free(vm);
}

/* ---- llvm-objdump text of real objects assembles to their bytes ------------------------- */
static bool objdump_section(const char *obj, const char *sec, const char *text)
{
	char tmp[] = "/tmp/xbpf-asm-XXXXXX", cmd[2048];
	int fd = mkstemp(tmp);
	if (fd < 0)
		return false;
	close(fd);
	snprintf(cmd, sizeof cmd, "llvm-objcopy -O binary --only-section='%s' '%s' '%s' 2>/dev/null",
		 sec, obj, tmp);
	size_t len = 0;
	char *bytes = system(cmd) == 0 ? read_all(tmp, &len) : NULL;
	unlink(tmp);
	struct xbpf_insn *p = NULL;
	size_t n = 0;
	char err[256];
	bool ok = bytes && xbpf_asm(text, NULL, &p, &n, err, sizeof err) == 0 &&
		  n * 8 == len && !memcmp(p, bytes, len);
	if (!ok) {
		fprintf(stderr, "%s section %s: %s\n", obj, sec,
			!bytes ? "cannot read the section" : p ? "bytes differ" : err);
		for (size_t i = 0; bytes && p && i < n && i * 8 < len; i++)
			if (memcmp(&p[i], bytes + i * 8, 8)) {
				fprintf(stderr, "  first difference at insn %zu\n", i);
				break;
			}
	}
	free(p);
	free(bytes);
	return ok;
}

/* llvm-objdump's text of every section of obj (without raw bytes, unless objdump
 * prints "<unknown>" for some instruction: then its bytes are needed). */
static int objdump_object(const char *obj, int *sections, bool raw)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "llvm-objdump -d %s '%s' 2>/dev/null",
		 raw ? "" : "--no-show-raw-insn", obj);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	size_t cap = 1 << 16, n = 0, got;
	char *out = malloc(cap + 1);
	while (out && (got = fread(out + n, 1, cap - n, f)) > 0)
		if ((n += got) == cap && (out = realloc(out, (cap *= 2) + 1)) == NULL)
			break;
	pclose(f);
	if (!out)
		return -1;
	out[n] = 0;
	if (!raw && strstr(out, "<unknown>")) {
		free(out);
		return objdump_object(obj, sections, true);
	}
	int bad = 0;
	const char *mark = "Disassembly of section ";
	for (char *s = strstr(out, mark); s;) {
		char *name = s + strlen(mark), *colon = strstr(name, ":\n");
		char *next = colon ? strstr(colon, mark) : NULL;
		if (!colon)
			break;
		char sec[256];
		snprintf(sec, sizeof sec, "%.*s", (int)(colon - name), name);
		char *body = strndup(colon + 2, next ? (size_t)(next - colon - 2) : strlen(colon + 2));
		bad += !objdump_section(obj, sec, body);
		(*sections)++;
		free(body);
		s = next;
	}
	free(out);
	return bad;
}

static void test_llvm_objdump(void)
{
	if (system("llvm-objdump --version >/dev/null 2>&1 && "
		   "llvm-objcopy --version >/dev/null 2>&1"))
		T_SKIP("llvm-objdump/llvm-objcopy not installed");
	static const char *const objs[] = {
		"build/byteswap.o", "build/bpf2bpf.o", "build/externalfunction.o", "build/loop.o",
		"build/map_in_map.o", "linux/sockex2_kern.o", "suricata/bypass_filter.o",
		"cilium-examples/tcx_bpf_bpfel.o", "cilium-core/bpf_wireguard.o",
	};
	int sections = 0, bad = 0, objects = 0;
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/ebpf-samples/%s", XBPF_SHARED_DIR, objs[i]);
		struct stat st;
		if (stat(path, &st))
			continue;
		objects++;
		int r = objdump_object(path, &sections, false);
		T_CHECK(r == 0);
		bad += r > 0 ? r : 0;
	}
	if (!objects)
		T_SKIP("ebpf-samples not found");
	printf("llvm-objdump: %d objects, %d sections, %d mismatched\n", objects, sections, bad);
	T_CHECK(sections > objects);
	T_EQ(bad, 0);
}

T_MAIN(test_ubpf_examples, test_kernel_examples, test_disasm_text, test_errors,
       test_table_rows, test_random_words, test_conformance_roundtrip, test_helper_names,
       test_llvm_objdump)
