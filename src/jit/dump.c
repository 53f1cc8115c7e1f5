/* dump.c - the native code of a JIT-compiled program, disassembled with capstone and
 * interleaved with the eBPF instructions it came from (`xbpf jit PROG --dump`).
 *
 * The listing follows the image: the entry, one body's functions instruction by
 * instruction (an eBPF line, then its native lines; fused, dead and skipped instructions
 * show no native code), then the cold stubs of that body and the shared routines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "jit.h"
#ifdef XBPF_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

#ifdef XBPF_HAVE_CAPSTONE
enum mark_kind { M_ENTRY, M_FUNC, M_INSN, M_COLD, M_GLOBAL, M_END };

struct mark {
	int64_t off;
	uint8_t kind;
	uint32_t idx;
	uint32_t seq;   /* tie-break: creation order */
};

static int mark_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *cold_names[JC__COUNT] = {"fault/stop", "budget exhausted", "taken branch",
					   "misaligned"};
static const char *global_names[JG__COUNT] = {"entry (budget)", "memory check (read)",
					     "memory check (write)", "runtime error",
					     "unwind", "callback entry"};

static void header(FILE *out, const struct xbpf_prog *prog, const struct mark *m)
{
	char dis[128];
	switch (m->kind) {
	case M_ENTRY:
		fprintf(out, "; entry\n");
		break;
	case M_FUNC:
		fprintf(out, "; function %u (insn %u)\n", m->idx, prog->funcs[m->idx].start);
		break;
	case M_INSN:
		xbpf_disasm_insn(prog->insns, prog->insn_cnt, m->idx, XBPF_SYNTAX_UBPF, prog->vm,
				 dis, sizeof dis);
		fprintf(out, "; %4u: %s\n", m->idx, dis);
		break;
	case M_COLD:
		fprintf(out, "; [cold] insn %u: %s\n", (m->idx & ~(1u << 31)) / JC__COUNT,
			cold_names[m->idx % JC__COUNT]);
		break;
	case M_GLOBAL:
		fprintf(out, "; [%s]\n", global_names[m->idx]);
		break;
	default:
		break;
	}
}

static void disasm_range(FILE *out, csh h, const uint8_t *img, int64_t from, int64_t to)
{
	cs_insn *insn;
	while (from < to) {
		size_t cnt = cs_disasm(h, img + from, (size_t)(to - from), (uint64_t)from, 1, &insn);
		if (!cnt) {
			fprintf(out, "  0x%04" PRIx64 ":  %02x                    (bad)\n", from, img[from]);
			from++;
			continue;
		}
		char hex[64] = "";
		for (unsigned i = 0; i < insn->size && i < 10; i++)
			snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", insn->bytes[i]);
		fprintf(out, "  0x%04" PRIx64 ":  %-30s %s %s\n", from, hex, insn->mnemonic,
			insn->op_str);
		from += insn->size;
		cs_free(insn, cnt);
	}
}

/* Marks of one body's hot code, ending with an M_END at the body's end. */
static size_t collect_hot(const struct xbpf_prog *prog, const struct jit_image *im, int body,
			  struct mark *m)
{
	size_t k = 0, n = im->n;
	uint32_t seq = 0, base = (uint32_t)((2 + 2 * JC__COUNT) * n);
	int64_t body1 = jit_image_label(im, base + 2 * im->nf + JG_ENTRY_BUDGET);
	m[k++] = (struct mark){body ? body1 : 0, M_ENTRY, 0, seq++};
	for (unsigned f = 0; f < im->nf; f++) {
		int64_t o = jit_image_label(im, base + (uint32_t)body * im->nf + f);
		if (o >= 0)
			m[k++] = (struct mark){o, M_FUNC, f, seq++};
		for (uint32_t pc = prog->funcs[f].start; pc < prog->funcs[f].end && pc < n; pc++) {
			int64_t p = jit_image_label(im, (uint32_t)((size_t)body * n + pc));
			if (p >= 0)
				m[k++] = (struct mark){p, M_INSN, pc, seq++};
		}
	}
	m[k++] = (struct mark){body ? (int64_t)im->hot_len : body1, M_END, 0, seq++};
	return k;
}

/* Marks of the cold code: every stub of both bodies (idx bit 31: the other body's, not
 * printed but bounding the ranges) and the shared routines. */
static size_t collect_cold(const struct jit_image *im, int body, struct mark *m)
{
	size_t k = 0, n = im->n;
	uint32_t seq = 0, glob = (uint32_t)((2 + 2 * JC__COUNT) * n + 2 * im->nf);
	for (int b = 0; b < 2; b++)
		for (size_t pc = 0; pc < n; pc++)
			for (unsigned c = 0; c < JC__COUNT; c++) {
				int64_t o = jit_image_label(im, (uint32_t)(2 * n + ((size_t)b * n + pc) *
									    JC__COUNT + c));
				if (o >= 0)
					m[k++] = (struct mark){o, M_COLD, (uint32_t)(pc * JC__COUNT + c) |
							       (b != body ? 1u << 31 : 0), seq++};
			}
	for (unsigned g = JG_CHECK_READ; g < JG__COUNT; g++) {
		int64_t o = jit_image_label(im, glob + g);
		if (o >= 0)
			m[k++] = (struct mark){o, M_GLOBAL, g, seq++};
	}
	m[k++] = (struct mark){(int64_t)im->hot_len + im->cold_len, M_END, 0, seq++};
	return k;
}

static void print_marks(FILE *out, const struct xbpf_prog *prog, csh h, struct mark *m, size_t k)
{
	qsort(m, k, sizeof *m, mark_cmp);
	for (size_t i = 0; i + 1 < k; i++) {
		if (m[i].kind == M_END || (m[i].kind == M_COLD && (m[i].idx >> 31)))
			continue;
		header(out, prog, &m[i]);
		disasm_range(out, h, prog->jit_image, m[i].off, m[i + 1].off);
	}
}

int jit_dump(const struct xbpf_prog *prog, int body, FILE *out)
{
	const struct jit_image *im = prog ? prog->jit_priv : NULL;
	if (!im || !prog->jit_image || body < 0 || body > 1)
		return -EINVAL;
	csh h;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOTSUP;
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
	struct mark *m = malloc((im->n * (2 * JC__COUNT + 1) + im->nf + JG__COUNT + 4) * sizeof *m);
	if (!m) {
		cs_close(&h);
		return -ENOMEM;
	}
	fprintf(out, "; program '%s': %zu eBPF slots -> %u bytes hot + %u bytes cold, %u "
		"relaxation rounds, compiled in %" PRIu64 " ns; body %d (%s)\n", prog->name, prog->insn_cnt,
		im->hot_len, im->cold_len, im->passes, im->compile_ns, body,
		body ? "with an instruction budget" : "no budget");
	print_marks(out, prog, h, m, collect_hot(prog, im, body, m));
	fprintf(out, "; ---- cold code ----\n");
	print_marks(out, prog, h, m, collect_cold(im, body, m));
	free(m);
	cs_close(&h);
	return 0;
}
#else
int jit_dump(const struct xbpf_prog *prog, int body, FILE *out)
{
	(void)prog;
	(void)body;
	(void)out;
	return -ENOTSUP;
}
#endif
