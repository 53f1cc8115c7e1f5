/* jit.c - the JIT's arch-neutral driver: compile a validated program to native code
 * (analysis, one emission pass, branch relaxation and fix-ups, W^X executable memory), release
 * it, compile the instruction-budget body when a run first asks for it, call compiled
 * functions back from helpers, and report runtime errors raised by the generated code with
 * the interpreter's exact messages.
 *
 * Executable memory is never writable and executable at once: the image is assembled in
 * ordinary heap buffers, then copied into the code pool (execmem.c) either through a
 * staging buffer and pwrite() into a memfd the process only maps read+execute, or into
 * PROT_READ|PROT_WRITE pages switched to PROT_READ|PROT_EXEC with mprotect(); it is never
 * written again while in use.
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

uint32_t jit_lbl_cold(struct jit_ctx *c, int body, size_t pc, enum jit_cold_kind kind)
{
	(void)body;
	struct jit_labels *L = &c->cur;
	uint32_t b = L->cold_blk[pc];
	if (!b) {
		/* room for every block was reserved (ctx_init): only initialise this one */
		b = L->cold_base + L->ncold * JC__COUNT;
		L->cold_pc[L->ncold++] = (uint32_t)pc;
		L->cold_blk[pc] = b;
		memset(&L->l[b], 0xff, JC__COUNT * sizeof *L->l);
		c->nlabels = b + JC__COUNT;
	}
	return b + kind;
}

/* Double an array of the compile (p: *cap elements of `elem` bytes, `first` when empty):
 * the grown array. On failure the buffer is marked oom (the compile fails with -ENOMEM),
 * the array kept and its *n entries so far forgotten, so emission goes on. */
static void *grow_array(struct jit_ctx *c, void *p, size_t *cap, size_t elem, size_t first,
			size_t *n)
{
	size_t want = *cap ? *cap * 2 : first;
	void *q = c->hot.oom ? NULL : realloc(p, want * elem);
	if (!q) {
		c->hot.oom = true;
		*n = 0;
		return p;
	}
	*cap = want;
	return q;
}

void jit_site_grow(struct jit_ctx *c)
{
	c->sites = grow_array(c, c->sites, &c->sites_cap, sizeof *c->sites, 256, &c->nsites);
}

void jit_call_grow(struct jit_ctx *c)
{
	c->calls = grow_array(c, c->calls, &c->calls_cap, sizeof *c->calls, 64, &c->ncalls);
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

void jit_grow(struct jit_buf *b)
{
	size_t cap = b->cap * 2 + JIT_ROOM;
	uint8_t *p = b->oom ? NULL : realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		b->len = 0;
		return;
	}
	b->p = p;
	b->cap = cap;
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

/* A thread that kept buffers frees them when it exits (compiles also happen on the
 * threads that run programs: the budget body is compiled by the first budgeted run). */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_key_ok;

static void scratch_release(void *unused)
{
	(void)unused;
	for (int i = 0; i < SCR__COUNT; i++) {
		free(scratch[i].p);
		scratch[i].p = NULL;
	}
}

static void scratch_key_init(void)
{
	scratch_key_ok = pthread_key_create(&scratch_key, scratch_release) == 0;
}

void jit_scratch_give(enum jit_scratch i, void *p, size_t cap)
{
	pthread_once(&scratch_once, scratch_key_init);
	if (p && !scratch[i].p && cap <= SCRATCH_KEEP && scratch_key_ok &&
	    (pthread_getspecific(scratch_key) || !pthread_setspecific(scratch_key, (void *)1))) {
		scratch[i].p = p;
		scratch[i].cap = cap;
	} else {
		free(p);
	}
}

static void ctx_free(struct jit_ctx *c)
{
	jit_scratch_give(SCR_INS, c->ins, c->ins_cap);
	jit_scratch_give(SCR_CVAL, c->cval, c->cval_cap);
	free(c->fn);
	jit_scratch_give(SCR_HOT, c->hot.p, c->hot.cap);
	jit_scratch_give(SCR_COLD, c->cold.p, c->cold.cap);
	jit_scratch_give(SCR_LABELS, c->cur.l, c->labels_cap);
	jit_scratch_give(SCR_COLDBLK, c->cur.cold_blk, c->cold_blk_cap);
	jit_scratch_give(SCR_COLDPC, c->cur.cold_pc, c->cold_pc_cap);
	jit_scratch_give(SCR_SITES, c->sites, c->sites_cap * sizeof *c->sites);
	jit_scratch_give(SCR_CALLS, c->calls, c->calls_cap * sizeof *c->calls);
}

static int ctx_init(struct jit_ctx *c, struct xbpf_prog *prog, int body, char *log,
		    size_t log_size)
{
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->code = prog->code;
	c->n = prog->insn_cnt;
	c->body = body;
	c->log = log;
	c->log_size = log_size;
	c->checks = !(prog->flags & XBPF_PROG_F_NO_CHECKS);
	c->blind = prog->flags & XBPF_PROG_F_JIT_BLIND;
	if (c->blind) /* the clock only when keys are needed */
		c->blind_seed = wall_ns() * 0x9e3779b97f4a7c15ull | 1;
	size_t n = c->n, fixed = n + prog->func_cnt + JG__COUNT, cap;
	c->nlabels = fixed;
	c->cur.cold_base = (uint32_t)fixed;
	c->ins = jit_scratch_take(SCR_INS, (n + 1) * sizeof *c->ins, &c->ins_cap);
	c->cval = jit_scratch_take(SCR_CVAL, (n + 1) * sizeof *c->cval, &c->cval_cap);
	c->fn = calloc(prog->func_cnt + 1, sizeof *c->fn);
	/* room for a cold block per instruction; only the fixed labels are initialised */
	c->cur.l = jit_scratch_take(SCR_LABELS, (fixed + (n + 1) * JC__COUNT) * sizeof *c->cur.l,
				    &c->labels_cap);
	c->cur.cold_blk = jit_scratch_take(SCR_COLDBLK, (n + 1) * sizeof *c->cur.cold_blk,
					   &c->cold_blk_cap);
	c->cur.cold_pc = jit_scratch_take(SCR_COLDPC, (n + 1) * sizeof *c->cur.cold_pc,
					  &c->cold_pc_cap);
	c->hot.p = jit_scratch_take(SCR_HOT, n * 32 + 4 * JIT_ROOM, &c->hot.cap);
	c->cold.p = jit_scratch_take(SCR_COLD, n * 16 + 4 * JIT_ROOM, &c->cold.cap);
	c->sites = jit_scratch_take(SCR_SITES, (n * 4 + 256) * sizeof *c->sites, &cap);
	c->sites_cap = cap / sizeof *c->sites;
	/* at most one call per instruction (a memory check or a local call), and the entry's */
	c->calls = jit_scratch_take(SCR_CALLS, (n + 16) * sizeof *c->calls, &cap);
	c->calls_cap = cap / sizeof *c->calls;
	if (!c->hot.p || !c->cold.p || !c->sites || !c->calls || !c->ins || !c->cval || !c->fn ||
	    !c->cur.l || !c->cur.cold_blk || !c->cur.cold_pc)
		return -ENOMEM;
	memset(c->ins, 0, (n + 1) * sizeof *c->ins);
	memset(c->cur.l, 0xff, fixed * sizeof *c->cur.l);
	memset(c->cur.cold_blk, 0, (n + 1) * sizeof *c->cur.cold_blk);
	return 0;
}

/* Emit everything once; returns 0, or -errno. */
static int emit_all(struct jit_ctx *c)
{
	c->stream_sites[0] = c->stream_sites[1] = 0;
	c->blind_state = c->blind_seed;
	jit_arch_emit(c);
	if (c->hot.oom || c->cold.oom)
		return -ENOMEM;
	return c->err;
}

/* ---- relaxation and assembly -------------------------------------------------------- */

/* A site as relaxation sees it: everything the sweeps and the assembly read, in one
 * place (its target label copied in). */
struct rsite {
	uint32_t off;          /* offset in its stream */
	int32_t tpos;          /* the target label: position, -1 unbound */
	uint32_t tsites;       /* relaxed sites of its stream before the target */
	uint8_t tcold;         /* the target is in the cold stream */
	uint8_t kind;          /* JS_JMP or JS_JCC */
	uint8_t cc;
	uint8_t shrt;          /* relaxed to the short form */
};

/* Sites of both streams in offset order, with the bytes their short forms save. */
struct relax {
	struct rsite *rs[2];   /* the sites per stream (0 hot, 1 cold), by offset */
	size_t cnt[2];
	int64_t *saved[2];     /* saved[s][k]: bytes saved by the first k sites of stream s */
	void *block;           /* one scratch block holding the arrays above */
	size_t block_cap;
	int64_t hot_len;       /* relaxed hot length */
	uint8_t size[3][2];    /* site size by kind and short form */
};

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

/* One forward sweep over the hot then the cold sites, making short every branch whose
 * distance fits, and updating the savings as it goes. While site k of a stream is
 * decided, the savings of the sites before it are this sweep's and those after it the
 * previous sweep's (or none): never more than the final ones, so a forward distance is
 * estimated from above and a backward one is exact for this sweep; either way a branch
 * made short stays in range, whatever later decisions shrink. (Every site has a short
 * form: calls are not sites.) */
static bool relax_sweep(struct jit_ctx *c, struct relax *r)
{
	bool changed = false;
	const unsigned shrt = r->size[JS_JMP][1];
	const int64_t save[2] = {r->size[JS_JMP][0] - shrt, r->size[JS_JCC][0] - shrt};
	_Static_assert(JS_JMP == 0 && JS_JCC == 1, "save[] is indexed by kind");
	for (int st = 0; st < 2; st++) {
		int64_t *saved = r->saved[st];
		struct rsite *a = r->rs[st];
		int64_t base = st ? r->hot_len : 0;
		for (uint32_t k = 0; k < r->cnt[st]; k++) {
			struct rsite *s = &a[k];
			if (!s->shrt && s->tpos >= 0) {
				int64_t t = (int64_t)s->tpos - r->saved[s->tcold][s->tsites] +
					    (s->tcold ? r->hot_len : 0);
				int64_t d = t - ((int64_t)s->off - saved[k] + base + shrt);
				if (d >= -128 && d <= 127) {
					s->shrt = 1;
					changed = true;
				}
			}
			saved[k + 1] = saved[k] + (s->shrt ? save[s->kind] : 0);
		}
		if (st == 0)
			r->hot_len = (int64_t)c->hot.len - saved[r->cnt[0]];
	}
	return changed;
}

/* Relax the sites; returns the number of sweeps (at most two: a third finds little). */
static unsigned relax_sites(struct jit_ctx *c, struct relax *r)
{
	unsigned sweeps = 1;
	if (relax_sweep(c, r)) {
		relax_sweep(c, r);
		sweeps++;
	}
	return sweeps;
}

/* Copy the n bytes at src to dst; the code between two sites is mostly a few dozen
 * bytes, so up to 64 go as fixed-size 16-byte copies when both sides have 64 bytes of
 * room (the bytes copied past n are overwritten by what is written next: a site, the next
 * piece, the cold stream or the int3 fill of install()). */
static inline void copy_piece(uint8_t *dst, const uint8_t *dst_end, const uint8_t *src,
			      const uint8_t *src_end, size_t n)
{
	if (n <= 64 && dst_end - dst >= 64 && src_end - src >= 64) {
		for (size_t i = 0; i < n; i += 16)
			memcpy(dst + i, src + i, 16);
	} else {
		memcpy(dst, src, n);
	}
}

/* Copy stream st into out (out_end: the end of the writable memory), re-encoding its
 * sites. */
static int assemble_stream(struct jit_ctx *c, const struct relax *r, int st, uint8_t *out,
			   const uint8_t *out_end)
{
	const struct jit_buf *b = st ? &c->cold : &c->hot;
	const uint8_t *src_end = b->p + b->cap;
	size_t from = 0;
	uint8_t *o = out;
	for (size_t k = 0; k < r->cnt[st]; k++) {
		const struct rsite *s = &r->rs[st][k];
		copy_piece(o, out_end, b->p + from, src_end, s->off - from);
		o += s->off - from;
		unsigned size = r->size[s->kind][s->shrt];
		int64_t t = s->tpos < 0 ? -1 : relax_pos(r, s->tcold, (uint32_t)s->tpos, s->tsites);
		int64_t end = relax_pos(r, st, s->off, (uint32_t)k) + size;
		if (t < 0) {
			jit_fail(c, -EFAULT, "JIT: branch to an unbound label (site %zu, %s)", k,
				 st ? "cold" : "hot");
			return c->err;
		}
		jit_arch_site_encode(o, s->kind, s->cc, s->shrt, (int32_t)(t - end));
		o += size;
		from = s->off + r->size[s->kind][0];
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
	size_t per = sizeof *r->saved[0] + sizeof *r->rs[0];
	uint8_t *p = jit_scratch_take(SCR_RELAX, 2 * m * per, &r->block_cap);
	if (!p)
		return -ENOMEM;
	r->block = p;
	/* widest alignment first: int64_t, then the sites */
	for (int st = 0; st < 2; st++, p += m * sizeof *r->saved[0])
		r->saved[st] = (int64_t *)(void *)p;
	for (int st = 0; st < 2; st++, p += m * sizeof *r->rs[0])
		r->rs[st] = (struct rsite *)(void *)p;
	for (size_t i = 0; i < c->nsites; i++) {
		const struct jit_site *s = &c->sites[i];
		const struct jit_label *l = &c->cur.l[s->lbl];
		int st = s->cold;
		r->rs[st][r->cnt[st]++] = (struct rsite){s->off, l->pos, l->sites, l->cold, s->kind,
							 s->cc, 0};
	}
	for (int st = 0; st < 2; st++)
		memset(r->saved[st], 0, (r->cnt[st] + 1) * sizeof *r->saved[st]);
	for (int k = JS_JMP; k <= JS_CALL; k++)
		for (int sh = 0; sh < 2; sh++)
			r->size[k][sh] = (uint8_t)jit_arch_site_size((enum jit_site_kind)k, sh);
	r->hot_len = (int64_t)c->hot.len;
	return 0;
}

/* Fill in the calls' displacements once both streams are in place at mem (a call has one
 * size, so it takes no part in relaxation: its position follows from the relaxed sites
 * before it). */
static int patch_calls(struct jit_ctx *c, const struct relax *r, uint8_t *mem)
{
	unsigned size = r->size[JS_CALL][0];
	for (size_t j = 0; j < c->ncalls; j++) {
		const struct jit_call *s = &c->calls[j];
		int64_t at = relax_pos(r, (int)s->cold, s->off, s->before);
		int64_t t = label_at(r, &c->cur.l[s->lbl]);
		if (t < 0) {
			jit_fail(c, -EFAULT, "JIT: call to an unbound label %u", s->lbl);
			return c->err;
		}
		jit_arch_site_encode(mem + at, JS_CALL, 0, 0, (int32_t)(t - (at + size)));
	}
	return 0;
}

/* Where the image starts in its first page (0-63 bytes in). The innermost loop of the
 * hot stream (the backward branch with the shortest span) gets its head at 16 modulo 64:
 * 16-byte aligned as compilers align loops, early in a 64-byte line. Small loops are
 * sensitive to this: on AMD EPYC (Zen 5) the benchmark's sort ran at ~350 ns with the
 * image at the start of a page and ~250 ns with its loop head at 8, 16 or 24 modulo 64
 * (checksum and collatz unchanged or faster); heads at 32-48 were slow for checksum.
 * XBPF_JIT_LOOP_ALIGN=N (0-63) puts the head at N modulo 64 instead, 64 or more keeps
 * images at the start of their page. */
static size_t image_shift(const struct relax *r)
{
	static int cached = -1; /* read once; racing first reads store the same value */
	int off = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (off < 0) {
		const char *e = getenv("XBPF_JIT_LOOP_ALIGN");
		off = e && *e >= '0' && *e <= '9' ? atoi(e) : 16;
		__atomic_store_n(&cached, off, __ATOMIC_RELAXED);
	}
	if (off >= 64)
		return 0;
	int64_t best = INT64_MAX, head = -1;
	for (size_t k = 0; k < r->cnt[0]; k++) {
		const struct rsite *s = &r->rs[0][k];
		if (s->tcold || s->tpos < 0)
			continue;
		int64_t t = relax_pos(r, 0, (uint32_t)s->tpos, s->tsites);
		int64_t at = relax_pos(r, 0, s->off, (uint32_t)k);
		if (t <= at && at - t < best) {
			best = at - t;
			head = t;
		}
	}
	return head < 0 ? 0 : (size_t)((off - head) & 63);
}

/* Take pages, write the final code (into them or into a staging buffer, execmem.c
 * decides), then make it executable (never writable at the same time). The image starts
 * `shift` bytes into its first page (int3 before it). */
static void *install(struct jit_ctx *c, const struct relax *r, size_t *size, uint64_t *sys_ns)
{
	size_t hot = (size_t)r->hot_len;
	size_t len = hot + c->cold.len - (size_t)r->saved[1][r->cnt[1]];
	size_t shift = image_shift(r);
	struct jit_exec_room room;
	uint64_t t0 = wall_ns();
	int err = jit_exec_take(shift + len, &room);
	*sys_ns = wall_ns() - t0;
	if (err) {
		errno = -err;
		return NULL;
	}
	uint8_t *mem = room.wr + shift, *end = room.wr + room.size;
	if (assemble_stream(c, r, 0, mem, end) || assemble_stream(c, r, 1, mem + hot, end) ||
	    patch_calls(c, r, mem)) {
		jit_exec_drop(&room);
		return NULL;
	}
	/* int3 around the image so a stray jump traps */
	memset(room.wr, 0xcc, shift);
	memset(mem + len, 0xcc, room.size - shift - len);
	t0 = wall_ns();
	err = jit_exec_seal(&room);
	*sys_ns += wall_ns() - t0;
	if (err) {
		errno = -err;
		return NULL;
	}
	*size = room.size - shift;
	return room.exec + shift;
}

static void image_free(struct jit_image *im)
{
	if (!im)
		return;
	jit_exec_free(im->mem, im->size);
	free(im->pos);
	free(im->cold_pc);
	free(im);
}

/* Final image offsets of the labels l[0..n) into pos (-1 unbound): label_at() without
 * branches (whether a cold stub's label is bound follows no pattern). */
static void label_positions(const struct relax *r, const struct jit_label *l, size_t n,
			    int32_t *pos)
{
	const int64_t *saved[2] = {r->saved[0], r->saved[1]};
	const int64_t base[2] = {0, r->hot_len};
	for (size_t i = 0; i < n; i++) {
		bool bound = l[i].pos >= 0;
		unsigned st = l[i].cold & 1;             /* unbound labels are all ones */
		uint32_t k = bound ? l[i].sites : 0;
		int64_t v = (int64_t)l[i].pos - saved[st][k] + base[st];
		pos[i] = bound ? (int32_t)v : -1;
	}
}

/* Relax, assemble and install the emitted body into im. */
static int finish(struct jit_ctx *c, struct jit_image *im)
{
	struct relax r;
	const struct jit_labels *L = &c->cur;
	im->pos = malloc(c->nlabels * sizeof *im->pos);
	im->cold_pc = malloc((L->ncold + 1) * sizeof *im->cold_pc);
	int err = im->pos && im->cold_pc ? relax_init(c, &r) : -ENOMEM;
	if (err)
		return err;
	im->passes = relax_sites(c, &r);
	im->mem = install(c, &r, &im->size, &im->map_ns);
	if (!im->mem && !c->err)
		jit_fail(c, -ENOMEM, "cannot map executable memory: %s", strerror(errno));
	err = im->mem ? 0 : c->err ? c->err : -ENOMEM;
	if (!err) {
		label_positions(&r, L->l, c->nlabels, im->pos);
		memcpy(im->cold_pc, L->cold_pc, L->ncold * sizeof *im->cold_pc);
		im->ncold = L->ncold;
		im->hot_len = (uint32_t)r.hot_len;
		im->cold_len = (uint32_t)(c->cold.len - (size_t)r.saved[1][r.cnt[1]]);
		im->n = c->n;
		im->nf = c->prog->func_cnt;
	}
	relax_free(&r);
	return err;
}

/* Compile body `body` of prog into im (allocated by the caller, with its budget_entry
 * in place for body 0). Returns 0 or -errno (the reason in log). */
static int compile_body(struct xbpf_prog *prog, int body, struct jit_image *im, char *log,
			size_t log_size)
{
	uint64_t t0 = now_ns();
	struct jit_ctx c;
	int err = ctx_init(&c, prog, body, log, log_size);
	if (!err && (!prog->func_cnt || !prog->insn_cnt))
		jit_fail(&c, err = -EINVAL, "JIT: empty program");
	c.budget_slot = (uint64_t)(uintptr_t)&im->budget_entry;
	if (!err)
		err = jit_analyse(&c);
	if (!err)
		err = emit_all(&c);
	if (!err)
		err = finish(&c, im);
	if (err == -ENOMEM)
		jit_fail(&c, err, "JIT: out of memory");
	ctx_free(&c);
	im->compile_ns = now_ns() - t0;
	return err;
}

int vm_jit_compile(struct xbpf_prog *prog, char *log, size_t log_size)
{
#if !defined(__x86_64__)
	if (log && log_size)
		snprintf(log, log_size, "the JIT has no backend for this architecture");
	return -ENOTSUP;
#else
	struct jit_image *im = calloc(1, sizeof *im);
	if (!im) {
		if (log && log_size)
			snprintf(log, log_size, "JIT: out of memory");
		return -ENOMEM;
	}
	im->budget_entry = (void *)jit_budget_lazy;
	int err = compile_body(prog, 0, im, log, log_size);
	if (err) {
		image_free(im);
		return err;
	}
	pthread_mutex_init(&im->lock, NULL);
	prog->jit_image = im->mem;
	prog->jit_size = im->size;
	prog->jit_priv = im;
	prog->jit_entry = (uint64_t (*)(uint64_t, uint64_t, struct xbpf_run_ctx *))im->mem;
	return 0;
#endif
}

void vm_jit_free(struct xbpf_prog *prog)
{
	struct jit_image *im = prog->jit_priv;
	if (im) {
		image_free(im->budget);
		pthread_mutex_destroy(&im->lock);
		image_free(im);
	} else if (prog->jit_image) {
		munmap(prog->jit_image, prog->jit_size);
	}
	prog->jit_image = NULL;
	prog->jit_size = 0;
	prog->jit_entry = NULL;
	prog->jit_priv = NULL;
}

/* ---- the budget body ------------------------------------------------------------------- */

struct jit_image *jit_budget_image(struct xbpf_prog *prog)
{
	struct jit_image *im = prog ? prog->jit_priv : NULL;
	if (!im) {
		errno = EINVAL;
		return NULL;
	}
	struct jit_image *b = __atomic_load_n(&im->budget, __ATOMIC_ACQUIRE);
	if (b)
		return b;
	int err = 0;
	pthread_mutex_lock(&im->lock);
	b = im->budget;
	if (!b) {
		b = calloc(1, sizeof *b);
		err = b ? compile_body(prog, 1, b, NULL, 0) : -ENOMEM;
		if (err) {
			image_free(b);
			b = NULL;
		} else {
			__atomic_store_n(&im->budget, b, __ATOMIC_RELEASE);
			/* body 0's entry reads this pointer: from now on straight to body 1 */
			__atomic_store_n(&im->budget_entry, b->mem, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&im->lock);
	if (!b)
		errno = -err;
	return b;
}

uint64_t jit_budget_lazy(uint64_t r1, uint64_t r2, struct xbpf_run_ctx *rc)
{
	struct jit_image *b = jit_budget_image(rc->prog);
	if (!b) {
		vm_error(rc, errno, "JIT: cannot compile program '%s' for a run with an "
			 "instruction budget: %s", rc->prog->name, strerror(errno));
		return 0;
	}
	return ((uint64_t (*)(uint64_t, uint64_t, struct xbpf_run_ctx *))b->mem)(r1, r2, rc);
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
	struct xbpf_prog *prog = rc->prog;
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
	if (rc->budget != UINT64_MAX && !(im = jit_budget_image(prog)))
		return vm_error(rc, errno, "callback: cannot compile program '%s' for a budget",
				prog->name);
	int64_t off = jit_image_label(im, jit_image_lbl_func(im, (unsigned)f));
	if (off < 0)
		return vm_error(rc, EINVAL, "callback: function %d was not compiled", f);
	/* callee frame index depth+1 has r10 = stack + (depth+2)*512; a subfunction adds the
	 * 512 itself, the main function does not */
	uint64_t r10 = (uint64_t)(uintptr_t)rc->stack + (uint64_t)(depth + (f ? 1 : 2)) * XBPF_STACK_SIZE;
	int64_t nested = jit_image_label(im, jit_image_lbl_global(im, JG_NESTED));
	jit_nested_fn entry = (jit_nested_fn)((uint8_t *)im->mem + nested);
	uint64_t saved_sp = rc->jit_sp;
	rc->depth = depth + 1;
	rc->jit_nest++;
	uint64_t r0 = entry(rc, args, (uint8_t *)im->mem + off, r10);
	rc->jit_nest--;
	rc->jit_sp = saved_sp;
	rc->depth = depth;
	if (rc->err)
		return -rc->err;
	*ret = r0;
	return 0;
}

/* ---- runtime errors ------------------------------------------------------------------------ */

/* The instruction of body `im` whose code holds image offset `off`: the bound
 * instruction label furthest into the image before it (the last one on a tie: skipped
 * instructions share the position of the next one). Runs only on a fault. */
static uint32_t pc_at(const struct jit_image *im, int64_t off)
{
	uint32_t pc = 0;
	int64_t best = -1;
	for (size_t i = 0; i < im->n; i++) {
		int64_t p = jit_image_label(im, (uint32_t)i);
		if (p >= 0 && p < off && p >= best) {
			best = p;
			pc = (uint32_t)i;
		}
	}
	return pc;
}

void jit_rt_fault(struct xbpf_run_ctx *rc, uint64_t ret, uint32_t kind, uint64_t addr)
{
	const struct jit_image *im = rc->prog->jit_priv;
	uint8_t *at = (uint8_t *)(uintptr_t)ret;
	if (im && !(at > (uint8_t *)im->mem && at <= (uint8_t *)im->mem + im->size))
		im = __atomic_load_n(&im->budget, __ATOMIC_ACQUIRE);
	if (!im || !(at > (uint8_t *)im->mem && at <= (uint8_t *)im->mem + im->size)) {
		vm_error(rc, EFAULT, "JIT: memory fault at an unknown place (0x%llx)",
			 (unsigned long long)ret);
		return;
	}
	jit_rt_error(rc, pc_at(im, at - (uint8_t *)im->mem), kind, addr);
}

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
		bool inside = vm_mem_ok(rc, addr, size, false), write = (kind & 0xff) == JIT_RT_WRITE;
		char where[384];
		vm_fault_where(rc, addr, size, write, where, sizeof where);
		vm_error(rc, EFAULT, "insn %u (%s): %s %s of %u bytes at 0x%llx%s", pc, dis,
			 inside ? "read-only memory:" : "out-of-bounds", write ? "write" : "read",
			 size, (unsigned long long)addr, where);
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

