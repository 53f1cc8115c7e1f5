/* jit.h - the JIT's arch-neutral core as a backend sees it: the compile context, code
 * streams, labels, the per-instruction facts of the analysis, and the backend contract.
 *
 * Compilation (jit.c) runs the analysis once (analysis.c), then the backend emits the whole
 * program in one pass into two streams: "hot" (the straight-line code) and "cold" (error
 * paths, budget checks of taken branches, the shared memory-check routine), laid out hot
 * then cold. A label is a position in either stream. Every branch or call to a label is a
 * fix-up site, emitted in its long form; afterwards the driver relaxes the sites (a branch
 * whose final distance fits in 8 bits becomes short; distances only shrink, so this
 * converges) and assembles the final image, re-encoding each site with its displacement.
 * Branches inside one lowering sequence that skip a few fixed bytes never span a site.
 *
 * The program is compiled twice into one image ("bodies"): body 0 for runs without an
 * instruction budget (rc->budget == UINT64_MAX) and body 1 that counts slots exactly as
 * the interpreter does. The entry dispatches on rc->budget.
 *
 * Module prefix: jit_ (hidden).
 */
#ifndef XBPF_JIT_H
#define XBPF_JIT_H

#include <stdbool.h>
#include <stddef.h>
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
	JI_SRC_CONST  = 1u << 7,  /* the source register holds the constant `cval` */
	JI_NOP        = 1u << 8,  /* a jump to the next instruction: no code */
	JI_SAFE_MEM   = 1u << 9,  /* memory access proven in bounds (r10 + constant in frame) */
	JI_FUSE_LEA   = 1u << 10, /* with the next insn: dst = a; dst += b|imm  ->  one lea */
	JI_FUSE_ZEXT3 = 1u << 11, /* x <<= 32; y = x; y >>= 32 (x dead after): y = (u32)x */
	JI_FUSE_SEXT3 = 1u << 12, /* x <<= 32; y = x; y s>>= 32 (x dead after): y = (s32)x */
};

struct jit_insn {
	uint16_t flags;     /* enum jit_iflag */
	uint16_t live_out;  /* registers (bit i = ri) read later before written */
	uint16_t func;      /* index into prog->funcs */
	uint16_t slots;     /* JI_LEADER: slots of the block it starts (lddw counts 2) */
	int64_t cval;       /* JI_SRC_CONST: the source register's value */
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

/* Label space: one per instruction and body, one per function and body, one cold stub per
 * instruction and body, and a few globals. */
enum jit_global_label {
	JG_ENTRY_BUDGET,  /* entry of body 1 */
	JG_CHECK_READ,    /* memory check routine, read */
	JG_CHECK_WRITE,   /* memory check routine, write */
	JG_ERROR,         /* common runtime-error path: esi = pc, edx = kind, r11 = addr */
	JG_UNWIND,        /* leave the run: rsp = rc->jit_sp; ret */
	JG_NESTED,        /* C-ABI entry for callbacks (vm_jit_call) */
	JG__COUNT,
};

/* One label; the three facts are read together, so they sit together. */
struct jit_label {
	int32_t pos;       /* position in its stream, -1 unbound */
	uint32_t sites;    /* fix-up sites of its stream before it (for relaxation) */
	uint8_t cold;      /* 1: position is in the cold stream */
};
struct jit_labels {
	struct jit_label *l;   /* nlabels entries */
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

struct jit_ctx {
	struct xbpf_prog *prog;
	const struct vm_dinsn *code;
	size_t n;                  /* instruction slots */
	struct jit_insn *ins;      /* n entries */
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

	/* emission */
	int body;                  /* 0: unlimited budget, 1: counting */
	struct jit_buf hot, cold;
	struct jit_buf *out;       /* hot or cold */
	struct jit_labels cur;
	size_t nlabels;
	struct jit_site *sites;
	size_t nsites, sites_cap;
	uint32_t stream_sites[2]; /* sites so far per stream (0 hot, 1 cold) */
	int err;                   /* first compile error (-errno) */
	char *log;
	size_t log_size;
};

/* Labels */
JIT_HIDDEN uint32_t jit_lbl_insn(const struct jit_ctx *c, int body, size_t pc);
JIT_HIDDEN uint32_t jit_lbl_func(const struct jit_ctx *c, int body, unsigned f);
/* Cold stubs of an instruction, by kind */
enum jit_cold_kind { JC_FAULT, JC_BUDGET, JC_TAKEN, JC_ALIGN, JC__COUNT };
JIT_HIDDEN uint32_t jit_lbl_cold(const struct jit_ctx *c, int body, size_t pc,
				 enum jit_cold_kind kind);
JIT_HIDDEN uint32_t jit_lbl_global(const struct jit_ctx *c, enum jit_global_label g);
/* Bind `lbl` to the current position of the current stream. */
JIT_HIDDEN void jit_bind(struct jit_ctx *c, uint32_t lbl);
/* Is `lbl` bound already? */
static inline bool jit_bound(const struct jit_ctx *c, uint32_t lbl) { return c->cur.l[lbl].pos >= 0; }
/* Record a fix-up at the current position of the current stream: the backend emits the
 * long form of the branch/call right after, with any displacement. */
JIT_HIDDEN void jit_site(struct jit_ctx *c, enum jit_site_kind kind, uint8_t cc, uint32_t lbl);
/* Switch streams. */
static inline void jit_to_cold(struct jit_ctx *c) { c->out = &c->cold; }
static inline void jit_to_hot(struct jit_ctx *c) { c->out = &c->hot; }
/* Record a compile error (first one wins). */
JIT_HIDDEN void jit_fail(struct jit_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Next blinding key (never 0). */
JIT_HIDDEN uint64_t jit_blind_key(struct jit_ctx *c);

/* Byte output (emit.h builds on these) */
static inline void jit_byte(struct jit_buf *b, uint8_t v)
{
	if (b->len == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			b->len = 0;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = v;
}

/* Per-thread scratch buffers reused between compilations (no malloc/free, no heap
 * growth and trimming per compile): take one of at least `want` bytes (*cap gets its
 * size; NULL when out of memory), give it back when done. */
enum jit_scratch { SCR_HOT, SCR_COLD, SCR_LABELS, SCR_SITES, SCR_LIVE, SCR_ORDER, SCR_RELAX,
		   SCR__COUNT };
JIT_HIDDEN void *jit_scratch_take(enum jit_scratch i, size_t want, size_t *cap);
JIT_HIDDEN void jit_scratch_give(enum jit_scratch i, void *p, size_t cap);

/* ---- analysis (analysis.c) ---------------------------------------------------------- */
/* Fill c->ins and c->fn: reachability, leaders and block sizes, liveness, fusions, dead
 * definitions, known constants. Returns 0 or -ENOMEM. */
JIT_HIDDEN int jit_analyse(struct jit_ctx *c);
/* Slots an instruction occupies (2 for lddw). */
static inline unsigned jit_slots(const struct vm_dinsn *d) { return d->op == XOP_LDDW ? 2 : 1; }

/* ---- backend contract (x86_64/lower.c) ---------------------------------------------- */
/* Emit the whole image: entries, both bodies, cold stubs. */
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

/* ---- compiled program (prog->jit_priv) ---------------------------------------------- */
struct jit_image {
	int32_t *pos;              /* final image offsets of the labels (jit_lbl_*), -1 unbound */
	size_t n;                  /* instruction slots */
	unsigned nf;               /* functions */
	uint32_t hot_len, cold_len;
	unsigned passes;           /* relaxation rounds */
	uint64_t compile_ns;       /* CPU time vm_jit_compile took (this thread) */
	uint64_t map_ns;           /* of which the mmap() and mprotect() system calls */
};
/* Absolute image offset of a label of a compiled program, or -1. */
JIT_HIDDEN int64_t jit_image_label(const struct jit_image *im, uint32_t lbl);

/* Disassembly of a compiled program, interleaved with its eBPF instructions (dump.c).
 * body: 0 or 1. Returns 0, -ENOTSUP without capstone, -EINVAL when not compiled. */
JIT_HIDDEN int jit_dump(const struct xbpf_prog *prog, int body, FILE *out);

#endif /* XBPF_JIT_H */
