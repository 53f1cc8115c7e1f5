/* jit.h - the JIT's arch-neutral core as a backend sees it: the compile context, code
 * streams, labels, the per-instruction facts of the analysis, and the backend contract.
 *
 * Compilation (jit.c) runs the analysis once (analysis.c), then the backend emits the whole
 * program in one pass into two streams: "hot" (the straight-line code) and "cold" (error
 * paths, budget checks of taken branches, the shared memory-check routine), laid out hot
 * then cold. A label is a position in either stream. Every branch or call to a label is a
 * fix-up site, emitted in its long form (a call has one form: it is only patched, from
 * c->calls); afterwards the driver relaxes the sites in one or two forward sweeps (a
 * branch whose distance, estimated from above, fits in 8 bits becomes short; distances
 * only shrink, so an estimate that fits stays true) and assembles the final image,
 * re-encoding each site with its displacement. Branches inside one lowering sequence
 * that skip a few fixed bytes never span a site.
 *
 * A program has two bodies, each its own image: body 0 for runs without an instruction
 * budget (rc->budget == UINT64_MAX), compiled at load, and body 1 that counts slots
 * exactly as the interpreter does, compiled on the first run that asks for a budget (or
 * by jit_budget_image()). Body 0's entry checks rc->budget and, when a budget is set,
 * jumps through jit_image.budget_entry: jit_budget_lazy() until body 1 exists, then body
 * 1's entry.
 *
 * Labels of one compile: one per instruction, one per function, the globals, then cold
 * stub labels, allocated JC__COUNT at a time for the instructions that ask for one.
 *
 * Module prefix: jit_ (hidden).
 */
#ifndef XBPF_JIT_H
#define XBPF_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "../vm/vm_internal.h"

#define JIT_HIDDEN __attribute__((visibility("hidden")))

/* ---- analysis facts (analysis.c) --------------------------------------------------- */
enum jit_iflag {
	JI_REACH      = 1u << 0,  /* reachable from some function entry */
	JI_TARGET     = 1u << 1,  /* a jump target: needs a label, constants forgotten */
	JI_LEADER     = 1u << 2,  /* starts a straight-line block (budget is billed here) */
	JI_SKIP       = 1u << 3,  /* emits no code (fused into the previous insn, or dead) */
	JI_FUSE_ZEXT  = 1u << 4,  /* with the next insn: dst <<= 32; dst >>= 32 */
	JI_FUSE_SEXT  = 1u << 5,  /* with the next insn: dst <<= 32; dst s>>= 32 */
	JI_FUSE_JNOT  = 1u << 6,  /* jcc over the next insn (a ja): one inverted jcc (body 0) */
	JI_SRC_CONST  = 1u << 7,  /* the source register holds the constant c->cval[i] */
	JI_NOP        = 1u << 8,  /* a jump to the next instruction: no code */
	JI_SAFE_MEM   = 1u << 9,  /* memory access proven in bounds (r10 + constant in frame) */
	JI_FUSE_LEA   = 1u << 10, /* with the next insn: dst = a; dst += b|imm  ->  one lea */
	JI_FUSE_ZEXT3 = 1u << 11, /* x <<= 32; y = x; y >>= 32 (x dead after): y = (u32)x */
	JI_FUSE_SEXT3 = 1u << 12, /* x <<= 32; y = x; y s>>= 32 (x dead after): y = (s32)x */
};

/* 8 bytes, so that the passes over it touch few cache lines (the constants are apart) */
struct jit_insn {
	uint16_t flags;     /* enum jit_iflag */
	uint16_t live_out;  /* registers (bit i = ri) read later before written */
	uint16_t func;      /* index into prog->funcs */
	uint16_t slots;     /* JI_LEADER: slots of the block it starts (lddw counts 2) */
};

struct jit_func {
	uint16_t writes;    /* registers the function's own instructions write */
	bool calls;         /* makes helper or local calls */
	bool needs_rc;      /* uses the run context (calls, checks, packets, budget) */
};

/* ---- code streams and labels -------------------------------------------------------- */
struct jit_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

/* Label space of one compile (one body): one per instruction, one per function, the
 * globals, then the cold stub labels of the instructions that have any. */
enum jit_global_label {
	JG_ENTRY_BUDGET,  /* body 0: the jump to body 1; body 1: its entry */
	JG_CHECK_READ,    /* memory check routine, read */
	JG_CHECK_WRITE,   /* memory check routine, write */
	JG_ERROR,         /* common runtime-error path: esi = pc, edx = kind, r11 = addr */
	JG_UNWIND,        /* leave the run: rsp = rc->jit_sp; ret */
	JG_NESTED,        /* C-ABI entry for callbacks (vm_jit_call) */
	JG_FAULT,         /* a failed memory check: rsi = its call's return address, edx =
			   * kind, r11 = addr (bound only when a check routine is emitted) */
	JG__COUNT,
};

/* One label; the three facts are read together, so they sit together. */
struct jit_label {
	int32_t pos;       /* position in its stream, -1 unbound */
	uint32_t sites;    /* relaxed sites (not calls) of its stream before it */
	uint8_t cold;      /* 1: position is in the cold stream */
};
struct jit_labels {
	struct jit_label *l;   /* nlabels entries used, room for all cold blocks */
	uint32_t *cold_blk;    /* per instruction: its cold block's first label, 0 none */
	uint32_t *cold_pc;     /* per cold block: its instruction */
	uint32_t ncold;        /* cold blocks */
	uint32_t cold_base;    /* first cold label */
};

/* A fix-up: a branch or call at `off` of its stream to label `lbl`. */
enum jit_site_kind { JS_JMP, JS_JCC, JS_CALL };
struct jit_site {
	uint32_t off;
	uint32_t lbl;
	uint8_t cold;      /* in the cold stream */
	uint8_t kind;      /* enum jit_site_kind */
	uint8_t cc;        /* condition (JS_JCC), the backend's encoding */
	uint8_t shrt;      /* relaxed to the short form */
};
/* A call to a label (one size: not relaxed, kept apart from the sites): at `off` of its
 * stream, with `before` relaxed sites of that stream before it. */
struct jit_call {
	uint32_t off;
	uint32_t lbl;
	uint32_t before;
	uint32_t cold;
};

struct jit_ctx {
	struct xbpf_prog *prog;
	const struct vm_dinsn *code;
	size_t n;                  /* instruction slots */
	struct jit_insn *ins;      /* n entries, and a spare one (zero) after them */
	int64_t *cval;             /* n entries: with JI_SRC_CONST, the source register's
				    * value (others are not written) */
	struct jit_func *fn;       /* prog->func_cnt entries */
	bool checks;               /* runtime memory checks (no XBPF_PROG_F_NO_CHECKS) */
	bool blind;                /* constant blinding (XBPF_PROG_F_JIT_BLIND) */
	bool uses_r10;             /* some instruction reads r10 */
	bool has_calls_local;
	bool has_func_values;      /* lddw src=4: functions may be called back */
	bool body0_needs_rc;       /* body 0 needs the run context in r12 */
	uint16_t main_live_in;     /* registers main reads before writing */
	uint64_t blind_seed;       /* blinding keys: the same sequence in every pass */
	uint64_t blind_state;
	uint64_t budget_slot;      /* body 0: address of jit_image.budget_entry */

	/* emission */
	int body;                  /* the body this compile emits: 0 unlimited, 1 counting */
	struct jit_buf hot, cold;
	struct jit_buf *out;       /* hot or cold */
	struct jit_labels cur;
	size_t nlabels;            /* labels in use */
	size_t ins_cap, cval_cap, labels_cap, cold_blk_cap, cold_pc_cap; /* scratch (bytes) */
	struct jit_site *sites;
	size_t nsites, sites_cap;
	uint32_t stream_sites[2]; /* relaxed sites so far per stream (0 hot, 1 cold) */
	struct jit_call *calls;    /* calls to labels (not relaxed) */
	size_t ncalls, calls_cap;
	bool used_check[2];        /* the read / write check routine is called */
	int err;                   /* first compile error (-errno) */
	char *log;
	size_t log_size;
};

/* Labels (`body` must be c->body: a compile emits one body) */
static inline uint32_t jit_lbl_insn(const struct jit_ctx *c, int body, size_t pc)
{
	(void)c;
	(void)body;
	return (uint32_t)pc;
}
static inline uint32_t jit_lbl_func(const struct jit_ctx *c, int body, unsigned f)
{
	(void)body;
	return (uint32_t)c->n + f;
}
/* Cold stubs of an instruction, by kind (allocated on first use, unbound until bound) */
enum jit_cold_kind {
	JC_FAULT, JC_BUDGET, JC_TAKEN, JC_ALIGN, JC__COUNT,
	/* a callx's bad-id stub: not JC_FAULT, which its helper's stop check uses; a call is
	 * never an atomic access, so it takes that slot */
	JC_CALLX = JC_ALIGN
};
JIT_HIDDEN uint32_t jit_lbl_cold(struct jit_ctx *c, int body, size_t pc,
				 enum jit_cold_kind kind);
static inline uint32_t jit_lbl_global(const struct jit_ctx *c, enum jit_global_label g)
{
	return (uint32_t)c->n + c->prog->func_cnt + g;
}
/* Bind `lbl` to the current position of the current stream. */
static inline void jit_bind(struct jit_ctx *c, uint32_t lbl)
{
	struct jit_label *l = &c->cur.l[lbl];
	bool cold = c->out == &c->cold;
	l->pos = (int32_t)c->out->len;
	l->cold = cold;
	l->sites = c->stream_sites[cold];
}
/* Is `lbl` bound already? */
static inline bool jit_bound(const struct jit_ctx *c, uint32_t lbl) { return c->cur.l[lbl].pos >= 0; }
/* Record a fix-up at the current position of the current stream: the backend emits the
 * long form of the branch/call right after, with any displacement. */
JIT_HIDDEN void jit_site_grow(struct jit_ctx *c);
static inline void jit_site(struct jit_ctx *c, enum jit_site_kind kind, uint8_t cc, uint32_t lbl)
{
	if (__builtin_expect(c->nsites == c->sites_cap, 0))
		jit_site_grow(c);
	bool cold = c->out == &c->cold;
	c->sites[c->nsites++] = (struct jit_site){(uint32_t)c->out->len, lbl, cold, (uint8_t)kind,
						  cc, 0};
	c->stream_sites[cold]++;
}
/* Record a call (rel32, displacement filled in later) at offset `off` of the current
 * stream; jit_call_site_if() only when `keep` (the record is written either way, so that
 * the caller needs no branch). */
JIT_HIDDEN void jit_call_grow(struct jit_ctx *c);
static inline void jit_call_site_if(struct jit_ctx *c, uint32_t off, uint32_t lbl, bool keep)
{
	if (__builtin_expect(c->ncalls == c->calls_cap, 0))
		jit_call_grow(c);
	bool cold = c->out == &c->cold;
	c->calls[c->ncalls] = (struct jit_call){off, lbl, c->stream_sites[cold], cold};
	c->ncalls += keep;
}
static inline void jit_call_site(struct jit_ctx *c, uint32_t off, uint32_t lbl)
{
	jit_call_site_if(c, off, lbl, true);
}
/* Switch streams. */
static inline void jit_to_cold(struct jit_ctx *c) { c->out = &c->cold; }
static inline void jit_to_hot(struct jit_ctx *c) { c->out = &c->hot; }
/* Record a compile error (first one wins). */
JIT_HIDDEN void jit_fail(struct jit_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Next blinding key (never 0). */
JIT_HIDDEN uint64_t jit_blind_key(struct jit_ctx *c);

/* Byte output: emit.h writes through a cursor without checks; room is reserved ahead,
 * JIT_ROOM bytes per lowered instruction in both streams (jit_reserve_both, called by the
 * backend before each instruction and each shared routine); a sanitizer build checks
 * the length after every native instruction. No lowering of one instruction (entries and
 * shared routines included) comes near JIT_ROOM bytes. */
#define JIT_ROOM 2048u
/* Make room for JIT_ROOM more bytes; on failure the buffer is marked oom and emptied
 * (emission goes on into the start of the buffer; the result is thrown away). */
JIT_HIDDEN void jit_grow(struct jit_buf *b);
static inline void jit_reserve(struct jit_buf *b)
{
	if (__builtin_expect(b->cap - b->len < JIT_ROOM, 0))
		jit_grow(b);
}
static inline void jit_reserve_both(struct jit_ctx *c)
{
	jit_reserve(&c->hot);
	jit_reserve(&c->cold);
}

/* Per-thread scratch buffers reused between compilations (no malloc/free, no heap
 * growth and trimming per compile): take one of at least `want` bytes (*cap gets its
 * size; NULL when out of memory), give it back when done. */
enum jit_scratch { SCR_HOT, SCR_COLD, SCR_LABELS, SCR_SITES, SCR_LIVE, SCR_ORDER, SCR_RELAX,
		   SCR_COLDBLK, SCR_COLDPC, SCR_INS, SCR_NODES, SCR_REACH, SCR_CALLS, SCR_CVAL,
		   SCR__COUNT };
JIT_HIDDEN void *jit_scratch_take(enum jit_scratch i, size_t want, size_t *cap);
JIT_HIDDEN void jit_scratch_give(enum jit_scratch i, void *p, size_t cap);

/* Executable memory (execmem.c): whole pages, never writable and executable at once.
 * jit_exec_take: room for `len` bytes of code (whole pages). Write the image at room->wr
 * (all room->size bytes), then jit_exec_seal() puts it at room->exec and makes it
 * executable (on failure the room is given back); jit_exec_drop() gives back an unsealed
 * room, jit_exec_free() a sealed image. 0 or -errno. */
struct jit_exec_room {
	uint8_t *exec;   /* where the code runs */
	uint8_t *wr;     /* where to write it: exec itself, or a staging buffer */
	size_t size;     /* bytes (whole pages) */
	size_t off;      /* staged: offset of exec in the memfd fd */
	int fd;
};
JIT_HIDDEN int jit_exec_take(size_t len, struct jit_exec_room *room);
JIT_HIDDEN int jit_exec_seal(struct jit_exec_room *room);
JIT_HIDDEN void jit_exec_drop(struct jit_exec_room *room);
JIT_HIDDEN void jit_exec_free(void *exec, size_t size);

/* ---- analysis (analysis.c) ---------------------------------------------------------- */
/* Fill c->ins and c->fn: reachability, leaders and block sizes, liveness, fusions, dead
 * definitions, known constants. Returns 0 or -ENOMEM. */
JIT_HIDDEN int jit_analyse(struct jit_ctx *c);
/* Slots an instruction occupies (2 for lddw). */
static inline unsigned jit_slots(const struct vm_dinsn *d) { return d->op == XOP_LDDW ? 2 : 1; }

/* ---- backend contract (x86_64/lower.c) ---------------------------------------------- */
/* Emit the whole image of body c->body: its entry, its functions, cold stubs and the
 * shared routines. Body 0's entry dispatches budgeted runs through c->budget_slot. */
JIT_HIDDEN void jit_arch_emit(struct jit_ctx *c);
/* Size of a fix-up site's encoding, long or short (0 when it has no short form). */
JIT_HIDDEN unsigned jit_arch_site_size(enum jit_site_kind kind, bool shrt);
/* Encode a site at p with displacement disp (from the end of the instruction). */
JIT_HIDDEN void jit_arch_site_encode(uint8_t *p, enum jit_site_kind kind, uint8_t cc, bool shrt,
				     int32_t disp);
/* Call a compiled function from C (callbacks): target is its native address, r10 the
 * frame pointer the callee starts from. Returns r0. */
typedef uint64_t (*jit_nested_fn)(struct xbpf_run_ctx *rc, const uint64_t args[5],
				  const void *target, uint64_t r10);

/* ---- runtime support called from generated code (jit.c) ------------------------------ */
enum jit_rt_kind {
	JIT_RT_READ = 1,      /* memory check failed; size in bits 8-15 */
	JIT_RT_WRITE,
	JIT_RT_ALIGN,         /* misaligned atomic; size in bits 8-15 */
	JIT_RT_BUDGET,
	JIT_RT_DEPTH,
	JIT_RT_CALLX,         /* addr = the helper id */
	JIT_RT_HELPER_STOP,   /* a helper set rc->err or rc->tail_target */
	JIT_RT_KFUNC,         /* a kfunc call: no kernel functions here */
};
/* Record the runtime error `kind` (enum jit_rt_kind | size << 8) of instruction pc. */
JIT_HIDDEN void jit_rt_error(struct xbpf_run_ctx *rc, uint32_t pc, uint32_t kind,
			     uint64_t addr);
/* The same for a failed memory check, whose instruction is found from `ret`, the return
 * address of the check routine's call (no per-access stub: see lower.c). */
JIT_HIDDEN void jit_rt_fault(struct xbpf_run_ctx *rc, uint64_t ret, uint32_t kind,
			     uint64_t addr);

/* ---- compiled program (prog->jit_priv) ---------------------------------------------- */
/* One compiled body. prog->jit_priv is body 0's; its `budget` is body 1's once compiled. */
struct jit_image {
	int32_t *pos;              /* final image offsets of the labels, -1 unbound */
	uint32_t *cold_pc;         /* instruction of each cold block (dump) */
	uint32_t ncold;            /* cold blocks */
	size_t n;                  /* instruction slots */
	unsigned nf;               /* functions */
	uint32_t hot_len, cold_len;
	unsigned passes;           /* relaxation sweeps (1 or 2) */
	uint64_t compile_ns;       /* CPU time the compile took (this thread) */
	uint64_t map_ns;           /* of which the mmap() and mprotect() system calls */
	void *mem;                 /* the executable image */
	size_t size;
	/* body 0 only */
	void *budget_entry;        /* entry for budgeted runs: jit_budget_lazy, then body 1 */
	struct jit_image *budget;  /* body 1, NULL until compiled */
	pthread_mutex_t lock;      /* serialises compiling body 1 */
};
/* Absolute image offset of a label of a compiled body, or -1. */
JIT_HIDDEN int64_t jit_image_label(const struct jit_image *im, uint32_t lbl);
/* Label numbers of a compiled body (as jit_lbl_* gave them while compiling it). */
static inline uint32_t jit_image_lbl_func(const struct jit_image *im, unsigned f)
{
	return (uint32_t)im->n + f;
}
static inline uint32_t jit_image_lbl_global(const struct jit_image *im, enum jit_global_label g)
{
	return (uint32_t)im->n + im->nf + g;
}
static inline uint32_t jit_image_lbl_cold(const struct jit_image *im, uint32_t blk,
					  enum jit_cold_kind k)
{
	return (uint32_t)im->n + im->nf + JG__COUNT + blk * JC__COUNT + k;
}
/* Body 1 (instruction budget) of a compiled program, compiled now if needed (thread-safe).
 * NULL with errno set when it cannot be compiled. */
JIT_HIDDEN struct jit_image *jit_budget_image(struct xbpf_prog *prog);
/* Where body 0 goes for a budgeted run before body 1 exists: compiles it, then runs it. */
JIT_HIDDEN uint64_t jit_budget_lazy(uint64_t r1, uint64_t r2, struct xbpf_run_ctx *rc);

/* Disassembly of a compiled program, interleaved with its eBPF instructions (dump.c).
 * body: 0 or 1. Returns 0, -ENOTSUP without capstone, -EINVAL when not compiled. */
JIT_HIDDEN int jit_dump(const struct xbpf_prog *prog, int body, FILE *out);

#endif /* XBPF_JIT_H */
