/* jit.c - the JIT's arch-neutral driver: compile a validated program to native code
 * (analysis, one emission pass, branch relaxation and fix-ups, W^X executable memory), release
 * it, call compiled functions back from helpers, and report runtime errors raised by the
 * generated code with the interpreter's exact messages.
 *
 * Executable memory is never writable and executable at once: the image is assembled in
 * ordinary heap buffers, copied into a fresh PROT_READ|PROT_WRITE mapping and only then
 * switched to PROT_READ|PROT_EXEC with mprotect(); it is never written again.
 *
 * The backend (x86_64/lower.c) is chosen at build time; on other architectures
 * vm_jit_compile() fails with -ENOTSUP and programs keep running on the interpreter.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include "jit.h"


/* ---- labels ------------------------------------------------------------------------- */

uint32_t jit_lbl_insn(const struct jit_ctx *c, int body, size_t pc)
{
	return (uint32_t)((size_t)body * c->n + pc);
}
uint32_t jit_lbl_cold(const struct jit_ctx *c, int body, size_t pc, enum jit_cold_kind kind)
{
	return (uint32_t)(2 * c->n + ((size_t)body * c->n + pc) * JC__COUNT + kind);
}
uint32_t jit_lbl_func(const struct jit_ctx *c, int body, unsigned f)
{
	return (uint32_t)((2 + 2 * JC__COUNT) * c->n + (size_t)body * c->prog->func_cnt + f);
}
uint32_t jit_lbl_global(const struct jit_ctx *c, enum jit_global_label g)
{
	return (uint32_t)((2 + 2 * JC__COUNT) * c->n + 2 * (size_t)c->prog->func_cnt + g);
}

void jit_bind(struct jit_ctx *c, uint32_t lbl)
{
	struct jit_label *l = &c->cur.l[lbl];
	l->pos = (int32_t)c->out->len;
	l->cold = c->out == &c->cold;
	l->sites = c->stream_sites[c->out == &c->cold];
}

void jit_site(struct jit_ctx *c, enum jit_site_kind kind, uint8_t cc, uint32_t lbl)
{
	if (c->nsites == c->sites_cap) {
		size_t cap = c->sites_cap ? c->sites_cap * 2 : 256;
		struct jit_site *p = realloc(c->sites, cap * sizeof *p);
		if (!p) {
			c->hot.oom = true;
			return;
		}
		c->sites = p;
		c->sites_cap = cap;
	}
	c->sites[c->nsites++] = (struct jit_site){(uint32_t)c->out->len, lbl, c->out == &c->cold,
						  (uint8_t)kind, cc, 0};
	c->stream_sites[c->out == &c->cold]++;
}

void jit_fail(struct jit_ctx *c, int err, const char *fmt, ...)
{
	if (c->err)
		return;
	c->err = err;
	if (c->log && c->log_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->log, c->log_size, fmt, ap);
		va_end(ap);
	}
}

uint64_t jit_blind_key(struct jit_ctx *c)
{
	/* xorshift64; bit 30 set so the low half never fits an imm8 (fixed code size) */
	uint64_t x = c->blind_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->blind_state = x;
	return (x | 0x40000000u) & ~0x80000000ull;
}

int64_t jit_image_label(const struct jit_image *im, uint32_t lbl)
{
	return im->pos[lbl];
}

/* ---- compilation ---------------------------------------------------------------------- */

/* CPU time of this thread: the compile time without the noise of preemption */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall time from the vDSO (no system call): to time the mmap/mprotect calls without
 * adding two more system calls around each of them */
static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Scratch buffers kept per thread between compilations: a large program would otherwise
 * get fresh memory (page faults, pages zeroed by the kernel) on every compile. At most one
 * buffer of each kind, at most SCRATCH_KEEP bytes each, is kept. */
#define SCRATCH_KEEP (4u << 20)
static __thread struct {
	void *p;
	size_t cap;
} scratch[SCR__COUNT];

void *jit_scratch_take(enum jit_scratch i, size_t want, size_t *cap)
{
	void *p = scratch[i].p;
	if (p && scratch[i].cap >= want) {
		*cap = scratch[i].cap;
		scratch[i].p = NULL;
		return p;
	}
	free(p);
	scratch[i].p = NULL;
	*cap = want ? want : 1;
	return malloc(*cap);
}

void jit_scratch_give(enum jit_scratch i, void *p, size_t cap)
{
	if (p && !scratch[i].p && cap <= SCRATCH_KEEP) {
		scratch[i].p = p;
		scratch[i].cap = cap;
	} else {
		free(p);
	}
}

static void ctx_free(struct jit_ctx *c)
{
	free(c->ins);
	free(c->fn);
	jit_scratch_give(SCR_HOT, c->hot.p, c->hot.cap);
	jit_scratch_give(SCR_COLD, c->cold.p, c->cold.cap);
	jit_scratch_give(SCR_LABELS, c->cur.l, c->nlabels * sizeof *c->cur.l);
	jit_scratch_give(SCR_SITES, c->sites, c->sites_cap * sizeof *c->sites);
}

static int ctx_init(struct jit_ctx *c, struct xbpf_prog *prog, char *log, size_t log_size)
{
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->code = prog->code;
	c->n = prog->insn_cnt;
	c->log = log;
	c->log_size = log_size;
	c->checks = !(prog->flags & XBPF_PROG_F_NO_CHECKS);
	c->blind = prog->flags & XBPF_PROG_F_JIT_BLIND;
	c->blind_seed = wall_ns() * 0x9e3779b97f4a7c15ull | 1;
	c->nlabels = (2 + 2 * JC__COUNT) * c->n + 2 * (size_t)prog->func_cnt + JG__COUNT;
	c->ins = calloc(c->n + 1, sizeof *c->ins);
	c->fn = calloc(prog->func_cnt + 1, sizeof *c->fn);
	size_t cap;
	c->cur.l = jit_scratch_take(SCR_LABELS, c->nlabels * sizeof *c->cur.l, &cap);
	c->hot.p = jit_scratch_take(SCR_HOT, c->n * 48 + 4096, &c->hot.cap);
	c->cold.p = jit_scratch_take(SCR_COLD, c->n * 16 + 4096, &c->cold.cap);
	c->sites = jit_scratch_take(SCR_SITES, (c->n * 2 + 256) * sizeof *c->sites, &cap);
	c->sites_cap = cap / sizeof *c->sites;
	if (!c->hot.p || !c->cold.p || !c->sites)
		return -ENOMEM;
	if (!c->ins || !c->fn || !c->cur.l)
		return -ENOMEM;
	return 0;
}

/* Emit everything once; returns 0, or -errno. */
static int emit_all(struct jit_ctx *c)
{
	memset(c->cur.l, 0xff, c->nlabels * sizeof *c->cur.l);
	c->stream_sites[0] = c->stream_sites[1] = 0;
	c->blind_state = c->blind_seed;
	jit_arch_emit(c);
	if (c->hot.oom || c->cold.oom)
		return -ENOMEM;
	return c->err;
}

/* ---- relaxation and assembly -------------------------------------------------------- */

/* Sites of both streams in offset order, with the bytes their short forms save. */
struct relax {
	uint32_t *idx[2];      /* site indexes per stream (0 hot, 1 cold), by offset */
	size_t cnt[2];
	int64_t *saved[2];     /* saved[s][k]: bytes saved by the first k sites of stream s */
	struct jit_label *tgt[2]; /* tgt[s][k]: the target label of site k of stream s */
	void *block;           /* one scratch block holding the arrays above */
	size_t block_cap;
	int64_t hot_len;       /* relaxed hot length */
};

static int64_t site_saving(const struct jit_site *s)
{
	return s->shrt ? (int64_t)(jit_arch_site_size(s->kind, false) - jit_arch_site_size(s->kind, true)) : 0;
}

static void relax_sums(const struct jit_ctx *c, struct relax *r)
{
	for (int st = 0; st < 2; st++) {
		r->saved[st][0] = 0;
		for (size_t k = 0; k < r->cnt[st]; k++)
			r->saved[st][k + 1] = r->saved[st][k] + site_saving(&c->sites[r->idx[st][k]]);
	}
	r->hot_len = (int64_t)c->hot.len - r->saved[0][r->cnt[0]];
}

/* Final image offset of position `off` of stream `st` that has `k` sites before it, under
 * the current decisions. */
static int64_t relax_pos(const struct relax *r, int st, uint32_t off, uint32_t k)
{
	return (int64_t)off - r->saved[st][k] + (st ? r->hot_len : 0);
}

static int64_t label_at(const struct relax *r, const struct jit_label *l)
{
	if (l->pos < 0)
		return -1;
	return relax_pos(r, l->cold, (uint32_t)l->pos, l->sites);
}

static int64_t label_final(const struct jit_ctx *c, const struct relax *r, uint32_t lbl)
{
	return label_at(r, &c->cur.l[lbl]);
}

/* Make every branch short whose final distance fits; returns the number of rounds. */
static unsigned relax_sites(struct jit_ctx *c, struct relax *r)
{
	unsigned rounds = 0;
	for (bool changed = true; changed; rounds++) {
		changed = false;
		relax_sums(c, r);
		for (int st = 0; st < 2; st++)
			for (uint32_t k = 0; k < r->cnt[st]; k++) {
				struct jit_site *s = &c->sites[r->idx[st][k]];
				unsigned short_size = jit_arch_site_size(s->kind, true);
				if (s->shrt || !short_size)
					continue;
				int64_t t = label_at(r, &r->tgt[st][k]);
				int64_t end = relax_pos(r, st, s->off, k) + short_size;
				if (t >= 0 && t - end >= -128 && t - end <= 127) {
					s->shrt = 1;
					changed = true;
				}
			}
	}
	relax_sums(c, r);
	return rounds;
}

/* Copy stream st into out, re-encoding its sites. */
static int assemble_stream(struct jit_ctx *c, const struct relax *r, int st, uint8_t *out)
{
	const struct jit_buf *b = st ? &c->cold : &c->hot;
	size_t from = 0;
	uint8_t *o = out;
	for (size_t k = 0; k < r->cnt[st]; k++) {
		const struct jit_site *s = &c->sites[r->idx[st][k]];
		memcpy(o, b->p + from, s->off - from);
		o += s->off - from;
		unsigned size = jit_arch_site_size(s->kind, s->shrt);
		int64_t t = label_at(r, &r->tgt[st][k]);
		int64_t end = relax_pos(r, st, s->off, (uint32_t)k) + size;
		if (t < 0) {
			jit_fail(c, -EFAULT, "JIT: branch to an unbound label %u", s->lbl);
			return c->err;
		}
		jit_arch_site_encode(o, s->kind, s->cc, s->shrt, (int32_t)(t - end));
		o += size;
		from = s->off + jit_arch_site_size(s->kind, false);
	}
	memcpy(o, b->p + from, b->len - from);
	return 0;
}

static void relax_free(struct relax *r)
{
	jit_scratch_give(SCR_RELAX, r->block, r->block_cap);
	r->block = NULL;
}

static int relax_init(const struct jit_ctx *c, struct relax *r)
{
	memset(r, 0, sizeof *r);
	size_t m = c->nsites + 1;
	size_t per = sizeof *r->saved[0] + sizeof *r->tgt[0] + sizeof *r->idx[0];
	uint8_t *p = jit_scratch_take(SCR_RELAX, 2 * m * per, &r->block_cap);
	if (!p)
		return -ENOMEM;
	r->block = p;
	/* widest alignment first: int64_t, then the labels, then uint32_t */
	for (int st = 0; st < 2; st++, p += m * sizeof *r->saved[0])
		r->saved[st] = (int64_t *)(void *)p;
	for (int st = 0; st < 2; st++, p += m * sizeof *r->tgt[0])
		r->tgt[st] = (struct jit_label *)(void *)p;
	for (int st = 0; st < 2; st++, p += m * sizeof *r->idx[0])
		r->idx[st] = (uint32_t *)(void *)p;
	for (size_t i = 0; i < c->nsites; i++) {
		int st = c->sites[i].cold;
		r->tgt[st][r->cnt[st]] = c->cur.l[c->sites[i].lbl];
		r->idx[st][r->cnt[st]++] = (uint32_t)i;
	}
	return 0;
}

/* Map RW, copy the final code, then make it read+execute only. */
static void *install(struct jit_ctx *c, const struct relax *r, size_t *size, uint64_t *sys_ns)
{
	size_t hot = (size_t)r->hot_len;
	size_t len = hot + c->cold.len - (size_t)r->saved[1][r->cnt[1]];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t map = (len + page - 1) / page * page;
	if (!map)
		map = page;
	uint64_t t0 = wall_ns();
	uint8_t *mem = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*sys_ns = wall_ns() - t0;
	if (mem == MAP_FAILED)
		return NULL;
	if (assemble_stream(c, r, 0, mem) || assemble_stream(c, r, 1, mem + hot)) {
		munmap(mem, map);
		return NULL;
	}
	/* int3 in the slack so a stray jump traps */
	memset(mem + len, 0xcc, map - len);
	t0 = wall_ns();
	int prot_err = mprotect(mem, map, PROT_READ | PROT_EXEC);
	*sys_ns += wall_ns() - t0;
	if (prot_err) {
		munmap(mem, map);
		return NULL;
	}
	*size = map;
	return mem;
}

static int finish(struct jit_ctx *c, uint64_t t0)
{
	struct xbpf_prog *prog = c->prog;
	struct relax r;
	struct jit_image *im = calloc(1, sizeof *im);
	int32_t *pos = malloc(c->nlabels * sizeof *pos);
	int err = im && pos ? relax_init(c, &r) : -ENOMEM;
	size_t size = 0;
	void *mem = NULL;
	if (!err) {
		im->passes = relax_sites(c, &r);
		mem = install(c, &r, &size, &im->map_ns);
		if (!mem && !c->err)
			jit_fail(c, -ENOMEM, "cannot map executable memory: %s", strerror(errno));
		err = mem ? 0 : c->err ? c->err : -ENOMEM;
	}
	if (!err) {
		for (size_t l = 0; l < c->nlabels; l++)
			pos[l] = (int32_t)label_final(c, &r, (uint32_t)l);
		im->hot_len = (uint32_t)r.hot_len;
		im->cold_len = (uint32_t)(c->cold.len - (size_t)r.saved[1][r.cnt[1]]);
	}
	if (im && pos)
		relax_free(&r);
	if (err) {
		free(im);
		free(pos);
		return err;
	}
	im->pos = pos;
	im->n = c->n;
	im->nf = prog->func_cnt;
	prog->jit_image = mem;
	prog->jit_size = size;
	prog->jit_priv = im;
	prog->jit_entry = (uint64_t (*)(uint64_t, uint64_t, struct xbpf_run_ctx *))mem;
	im->compile_ns = now_ns() - t0;
	return 0;
}

int vm_jit_compile(struct xbpf_prog *prog, char *log, size_t log_size)
{
#if !defined(__x86_64__)
	if (log && log_size)
		snprintf(log, log_size, "the JIT has no backend for this architecture");
	return -ENOTSUP;
#else
	uint64_t t0 = now_ns();
	struct jit_ctx c;
	int err = ctx_init(&c, prog, log, log_size);
	if (!err && (!prog->func_cnt || !prog->insn_cnt))
		jit_fail(&c, err = -EINVAL, "JIT: empty program");
	if (!err)
		err = jit_analyse(&c);
	if (!err)
		err = emit_all(&c);
	if (!err)
		err = finish(&c, t0);
	if (err == -ENOMEM)
		jit_fail(&c, err, "JIT: out of memory");
	ctx_free(&c);
	return err;
#endif
}

void vm_jit_free(struct xbpf_prog *prog)
{
	struct jit_image *im = prog->jit_priv;
	if (prog->jit_image)
		munmap(prog->jit_image, prog->jit_size);
	if (im) {
		free(im->pos);
		free(im);
	}
	prog->jit_image = NULL;
	prog->jit_size = 0;
	prog->jit_entry = NULL;
	prog->jit_priv = NULL;
}

/* ---- callbacks ---------------------------------------------------------------------------- */

static int func_index(const struct xbpf_prog *prog, uint64_t pc)
{
	for (unsigned f = 0; f < prog->func_cnt; f++)
		if (prog->funcs[f].start == pc)
			return (int)f;
	return -1;
}

int vm_jit_call(struct xbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	const struct xbpf_prog *prog = rc->prog;
	const struct jit_image *im = prog->jit_priv;
	int f = vm_is_func_value(fn) ? func_index(prog, fn & VM_FUNC_MASK) : -1;
	if (f < 0)
		return vm_error(rc, EINVAL, "callback: 0x%llx is not a function of program '%s'",
				(unsigned long long)fn, prog->name);
	unsigned depth = rc->depth;
	if (depth + 1 >= XBPF_MAX_FRAMES)
		return vm_error(rc, E2BIG, "callback: call depth exceeds %d frames",
				XBPF_MAX_FRAMES);
	if (!im)
		return vm_error(rc, ENOTSUP, "callback: program '%s' is not compiled", prog->name);
	int body = rc->budget == UINT64_MAX ? 0 : 1;
	/* function labels follow the instruction and cold labels (see jit_lbl_func) */
	uint32_t base = (uint32_t)((2 + 2 * JC__COUNT) * im->n);
	int64_t off = jit_image_label(im, base + (uint32_t)body * im->nf + (unsigned)f);
	if (off < 0)
		return vm_error(rc, EINVAL, "callback: function %d was not compiled", f);
	/* callee frame index depth+1 has r10 = stack + (depth+2)*512; a subfunction adds the
	 * 512 itself, the main function does not */
	uint64_t r10 = (uint64_t)(uintptr_t)rc->stack + (uint64_t)(depth + (f ? 1 : 2)) * XBPF_STACK_SIZE;
	int64_t nested = jit_image_label(im, base + 2 * im->nf + JG_NESTED);
	jit_nested_fn entry = (jit_nested_fn)((uint8_t *)prog->jit_image + nested);
	uint64_t saved_sp = rc->jit_sp;
	rc->depth = depth + 1;
	rc->jit_nest++;
	uint64_t r0 = entry(rc, args, (uint8_t *)prog->jit_image + off, r10);
	rc->jit_nest--;
	rc->jit_sp = saved_sp;
	rc->depth = depth;
	if (rc->err)
		return -rc->err;
	*ret = r0;
	return 0;
}

/* ---- runtime errors ------------------------------------------------------------------------ */

void jit_rt_error(struct xbpf_run_ctx *rc, uint32_t pc, uint32_t kind, uint64_t addr)
{
	const struct xbpf_prog *prog = rc->prog;
	unsigned size = kind >> 8;
	char dis[128];
	xbpf_disasm_insn(prog->insns, prog->insn_cnt, pc, XBPF_SYNTAX_UBPF, prog->vm, dis,
			 sizeof dis);
	switch (kind & 0xff) {
	case JIT_RT_READ:
	case JIT_RT_WRITE: {
		bool inside = vm_mem_ok(rc, addr, size, false);
		vm_error(rc, EFAULT, "insn %u (%s): %s %s of %u bytes at 0x%llx", pc, dis,
			 inside ? "read-only memory:" : "out-of-bounds",
			 (kind & 0xff) == JIT_RT_WRITE ? "write" : "read", size,
			 (unsigned long long)addr);
		break;
	}
	case JIT_RT_ALIGN:
		vm_error(rc, EFAULT, "insn %u (%s): misaligned atomic access of %u bytes at 0x%llx",
			 pc, dis, size, (unsigned long long)addr);
		break;
	case JIT_RT_BUDGET:
		vm_error(rc, ETIME, "insn %u (%s): instruction budget exhausted", pc, dis);
		break;
	case JIT_RT_DEPTH:
		vm_error(rc, E2BIG, "insn %u (%s): call depth exceeds %d frames", pc, dis,
			 XBPF_MAX_FRAMES);
		break;
	case JIT_RT_CALLX:
		vm_error(rc, EINVAL, "insn %u (%s): callx to unknown helper %llu", pc, dis,
			 (unsigned long long)addr);
		break;
	case JIT_RT_HELPER_STOP:
		if (!rc->err && rc->jit_nest)
			vm_error(rc, EINVAL, "insn %u (%s): tail call from a callback", pc, dis);
		break;
	case JIT_RT_KFUNC:
		vm_error(rc, EINVAL, "insn %u: kfunc calls are not supported", pc);
		break;
	default:
		vm_error(rc, EFAULT, "insn %u (%s): JIT runtime error %u", pc, dis, kind);
	}
}
