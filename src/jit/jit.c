/* jit.c - the JIT's arch-neutral driver: compile a validated program to native code
 * (analysis, emission passes until branch sizes settle, W^X executable memory), release
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
#include "jit.h"

#define JIT_MAX_PASSES 40

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
	c->cur.pos[lbl] = (int32_t)c->out->len;
	c->cur.cold[lbl] = c->out == &c->cold;
}

int64_t jit_label_pos(const struct jit_ctx *c, uint32_t lbl)
{
	if (c->cur.pos[lbl] >= 0) {
		if (!c->cur.cold[lbl])
			return c->cur.pos[lbl];
		return c->have_prev ? (int64_t)c->prev.hot_len + c->cur.pos[lbl] : -1;
	}
	if (!c->have_prev || c->prev.pos[lbl] < 0)
		return -1;
	return c->prev.pos[lbl] + (c->prev.cold[lbl] ? (int64_t)c->prev.hot_len : 0);
}

int64_t jit_here(const struct jit_ctx *c)
{
	if (c->out == &c->hot)
		return (int64_t)c->hot.len;
	return c->have_prev ? (int64_t)(c->prev.hot_len + c->cold.len) : -1;
}

bool jit_branch_short(struct jit_ctx *c, bool fits)
{
	size_t s = c->site++;
	if (s >= c->site_cap) {
		size_t cap = c->site_cap ? c->site_cap * 2 : 256;
		uint8_t *p = realloc(c->site_short, cap);
		if (!p) {
			c->hot.oom = true;
			return false;
		}
		memset(p + c->site_cap, 0, cap - c->site_cap);
		c->site_short = p;
		c->site_cap = cap;
	}
	if (!c->site_short[s] && fits) {
		c->site_short[s] = 1;
		c->changed = true;
	}
	return c->site_short[s];
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
	if (im->pos[lbl] < 0)
		return -1;
	return im->pos[lbl] + (im->cold[lbl] ? (int64_t)im->hot_len : 0);
}

/* ---- compilation ---------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void ctx_free(struct jit_ctx *c)
{
	free(c->ins);
	free(c->fn);
	free(c->hot.p);
	free(c->cold.p);
	free(c->cur.pos);
	free(c->cur.cold);
	free(c->prev.pos);
	free(c->prev.cold);
	free(c->site_short);
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
	c->blind_seed = now_ns() * 0x9e3779b97f4a7c15ull | 1;
	c->nlabels = (2 + 2 * JC__COUNT) * c->n + 2 * (size_t)prog->func_cnt + JG__COUNT;
	c->ins = calloc(c->n + 1, sizeof *c->ins);
	c->fn = calloc(prog->func_cnt + 1, sizeof *c->fn);
	c->cur.pos = malloc(c->nlabels * sizeof *c->cur.pos);
	c->cur.cold = malloc(c->nlabels);
	c->prev.pos = malloc(c->nlabels * sizeof *c->prev.pos);
	c->prev.cold = malloc(c->nlabels);
	if (!c->ins || !c->fn || !c->cur.pos || !c->cur.cold || !c->prev.pos || !c->prev.cold)
		return -ENOMEM;
	return 0;
}

/* One emission pass; returns 0, or -errno. */
static int run_pass(struct jit_ctx *c)
{
	memset(c->cur.pos, 0xff, c->nlabels * sizeof *c->cur.pos);
	memset(c->cur.cold, 0, c->nlabels);
	c->hot.len = c->cold.len = 0;
	c->site = 0;
	c->changed = false;
	c->blind_state = c->blind_seed;
	jit_arch_emit(c);
	if (c->hot.oom || c->cold.oom)
		return -ENOMEM;
	if (c->err)
		return c->err;
	c->cur.hot_len = c->hot.len;
	c->cur.cold_len = c->cold.len;
	return 0;
}

/* Copy the final streams into fresh memory, then make it read+execute only. */
static void *install(const struct jit_ctx *c, size_t *size)
{
	size_t len = c->hot.len + c->cold.len;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t map = (len + page - 1) / page * page;
	void *mem = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	memcpy(mem, c->hot.p, c->hot.len);
	if (c->cold.len)
		memcpy((uint8_t *)mem + c->hot.len, c->cold.p, c->cold.len);
	/* int3 in the slack so a stray jump traps */
	memset((uint8_t *)mem + len, 0xcc, map - len);
	if (mprotect(mem, map, PROT_READ | PROT_EXEC)) {
		munmap(mem, map);
		return NULL;
	}
	*size = map;
	return mem;
}

static int finish(struct jit_ctx *c, unsigned passes, uint64_t t0)
{
	struct xbpf_prog *prog = c->prog;
	struct jit_image *im = calloc(1, sizeof *im);
	size_t size = 0;
	void *mem = im ? install(c, &size) : NULL;
	if (!mem) {
		free(im);
		jit_fail(c, -ENOMEM, "cannot map executable memory: %s", strerror(errno));
		return -ENOMEM;
	}
	im->pos = c->cur.pos;
	im->cold = c->cur.cold;
	c->cur.pos = NULL;
	c->cur.cold = NULL;
	im->n = c->n;
	im->nf = prog->func_cnt;
	im->hot_len = (uint32_t)c->hot.len;
	im->cold_len = (uint32_t)c->cold.len;
	im->passes = passes;
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
	unsigned pass = 0;
	for (; !err && pass < JIT_MAX_PASSES; pass++) {
		err = run_pass(&c);
		if (err || (pass > 0 && !c.changed))
			break;
		struct jit_pass_labels t = c.prev;
		c.prev = c.cur;
		c.cur = t;
		c.have_prev = true;
	}
	if (!err && pass == JIT_MAX_PASSES)
		jit_fail(&c, err = -EFAULT, "JIT: branch sizes did not settle");
	if (!err)
		err = finish(&c, pass + 1, t0);
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
		free(im->cold);
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
	default:
		vm_error(rc, EFAULT, "insn %u (%s): JIT runtime error %u", pc, dis, kind);
	}
}
