/* dump.c - the native code of a JIT-compiled program, disassembled with capstone and
 * interleaved with the eBPF instructions it came from (`xbpf jit PROG --dump`).
 *
 * The listing follows the image of one body (each body is its own image; body 1, the
 * instruction-budget body, is compiled here when no run has needed it yet): the entry,
 * the functions instruction by instruction (an eBPF line, then its native lines; fused,
 * dead and skipped instructions show no native code), then the cold stubs and the shared
 * routines.
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
					   "misaligned/bad callx"};
static const char *global_names[JG__COUNT] = {"budget jump", "memory check (read)",
					     "memory check (write)", "runtime error",
					     "unwind", "callback entry", "memory fault"};

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
		fprintf(out, "; [cold] insn %u: %s\n", m->idx / JC__COUNT,
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

/* Marks of the body's hot code, ending with an M_END at its end. */
static size_t collect_hot(const struct xbpf_prog *prog, const struct jit_image *im,
			  struct mark *m)
{
	size_t k = 0, n = im->n;
	uint32_t seq = 0;
	m[k++] = (struct mark){0, M_ENTRY, 0, seq++};
	for (unsigned f = 0; f < im->nf; f++) {
		int64_t o = jit_image_label(im, jit_image_lbl_func(im, f));
		if (o >= 0)
			m[k++] = (struct mark){o, M_FUNC, f, seq++};
		for (uint32_t pc = prog->funcs[f].start; pc < prog->funcs[f].end && pc < n; pc++) {
			int64_t p = jit_image_label(im, pc);
			if (p >= 0)
				m[k++] = (struct mark){p, M_INSN, pc, seq++};
		}
	}
	m[k++] = (struct mark){(int64_t)im->hot_len, M_END, 0, seq++};
	return k;
}

/* Marks of the cold code: the stubs of the instructions and the shared routines. */
static size_t collect_cold(const struct jit_image *im, struct mark *m)
{
	size_t k = 0;
	uint32_t seq = 0;
	for (uint32_t b = 0; b < im->ncold; b++)
		for (unsigned c = 0; c < JC__COUNT; c++) {
			int64_t o = jit_image_label(im, jit_image_lbl_cold(im, b, c));
			if (o >= 0)
				m[k++] = (struct mark){o, M_COLD, im->cold_pc[b] * JC__COUNT + c, seq++};
		}
	for (unsigned g = 0; g < JG__COUNT; g++) {
		int64_t o = jit_image_label(im, jit_image_lbl_global(im, g));
		if (o >= (int64_t)im->hot_len)
			m[k++] = (struct mark){o, M_GLOBAL, g, seq++};
	}
	m[k++] = (struct mark){(int64_t)im->hot_len + im->cold_len, M_END, 0, seq++};
	return k;
}

static void print_marks(FILE *out, const struct xbpf_prog *prog, csh h, const uint8_t *img,
			struct mark *m, size_t k)
{
	qsort(m, k, sizeof *m, mark_cmp);
	for (size_t i = 0; i + 1 < k; i++) {
		if (m[i].kind == M_END)
			continue;
		header(out, prog, &m[i]);
		disasm_range(out, h, img, m[i].off, m[i + 1].off);
	}
}

int jit_dump(const struct xbpf_prog *prog, int body, FILE *out)
{
	const struct jit_image *im = prog ? prog->jit_priv : NULL;
	if (!im || !prog->jit_image || body < 0 || body > 1)
		return -EINVAL;
	if (body == 1 && !(im = jit_budget_image((struct xbpf_prog *)prog)))
		return -errno;
	csh h;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOTSUP;
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
	struct mark *m = malloc((im->n + im->nf + (size_t)im->ncold * JC__COUNT + JG__COUNT + 4) *
				sizeof *m);
	if (!m) {
		cs_close(&h);
		return -ENOMEM;
	}
	fprintf(out, "; program '%s': %zu eBPF slots -> %u bytes hot + %u bytes cold, %u "
		"relaxation rounds, compiled in %" PRIu64 " ns; body %d (%s)\n", prog->name, prog->insn_cnt,
		im->hot_len, im->cold_len, im->passes, im->compile_ns, body,
		body ? "with an instruction budget" : "no budget");
	print_marks(out, prog, h, im->mem, m, collect_hot(prog, im, m));
	fprintf(out, "; ---- cold code ----\n");
	print_marks(out, prog, h, im->mem, m, collect_cold(im, m));
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
