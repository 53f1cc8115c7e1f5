/* vrf.h - the verifier's private structures, shared by its phases.
 *
 * The verifier is an abstract interpreter (see check.c for the algorithm). Its state is
 * a struct vrf_state: the register and stack state of every active frame, the references
 * held (ringbuf reservations, sockets), the spin lock held, and the path of branch
 * decisions that led to it. Each register has a type (enum vrf_type); a scalar's value is
 * a struct vrf_scalar; a pointer is base + off (fixed) + v (variable part, a scalar).
 *
 * Invariants:
 *  - copies of a register share `id`: null checks, packet ranges and scalar comparisons
 *    learned on one apply to all registers (and stack spills) carrying that id;
 *  - a stack frame's bytes are INVALID until written; an 8-byte aligned store of a whole
 *    register is a spill (the register is kept as is, pointers included);
 *  - a stored state (pruning) is never modified except for its precision marks
 *    (backtrack.c), which are final once its exploration is complete; only complete states
 *    prune (vrf_state_covers), except that a callback's iteration may be covered by the
 *    unfinished previous one, comparing every scalar by value;
 *  - the current state's registers never carry precision marks.
 *
 * Module prefix: vrf_ (hidden).
 */
#ifndef XBPF_VRF_H
#define XBPF_VRF_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/verifier.h"
#include "xbpf/vm.h"
#include "xbpf/progtype.h"
#include "../isa/isa.h"
#include "scalar.h"

enum vrf_type {
	VT_NOT_INIT = 0,
	VT_SCALAR,
	VT_CTX,        /* program context (r1 at entry) */
	VT_STACK,      /* frame `frame`'s stack; r10 is off 0 */
	VT_MAP_PTR,    /* a map (lddw src 1/5), `map` */
	VT_MAP_VALUE,  /* a value of map `map` */
	VT_MAP_KEY,    /* a key of map `map` (for_each callbacks) */
	VT_PKT,        /* packet data */
	VT_PKT_META,   /* packet metadata (before data) */
	VT_PKT_END,    /* one past the packet */
	VT_MEM,        /* `size` bytes of helper memory (ringbuf reservation) */
	VT_SOCK,       /* kernel socket (opaque) */
	VT_BTF_ID,     /* kernel object (opaque) */
	VT_FUNC,       /* a subprogram (lddw src 4), insn `size` */
	VT__COUNT,
};

struct vrf_reg {
	uint8_t type;        /* enum vrf_type */
	uint8_t maybe_null;  /* pointer may be NULL (until a null check) */
	uint8_t frame;       /* VT_STACK: frame number */
	uint8_t precise;     /* stored states: VRF_P_* (backtrack.c) */
	int32_t off;         /* pointers: fixed offset */
	uint32_t id;         /* copies share it (0: none) */
	uint32_t ref;        /* reference this pointer holds (0: none) */
	int32_t range;       /* VT_PKT/META: bytes past `off`-origin known inside the packet */
	int32_t map;         /* map descriptor index (-1 none) */
	uint32_t size;       /* VT_MEM: bytes; VT_FUNC: target insn */
	struct vrf_scalar v; /* scalar: the value; pointer: variable offset */
};

/* Stack bytes. */
enum { SB_INVALID = 0, SB_MISC, SB_ZERO, SB_SPILL };

struct vrf_slot {              /* 8 stack bytes [-(i+1)*8, -i*8) */
	uint8_t kind[8];           /* SB_* per byte, kind[0] = lowest address */
	struct vrf_reg spill;      /* when all 8 bytes are SB_SPILL */
};

struct vrf_frame {
	struct vrf_reg regs[XBPF_NREGS];
	uint32_t callsite;         /* caller's call insn (frames > 0) */
	uint32_t subprog;          /* index in env->subprogs */
	uint8_t callback;          /* called by a helper (bpf_loop...): exit returns to callsite */
	uint32_t callback_depth;   /* bpf_loop iterations this frame has run at its call */
	int nslots;                /* allocated slots */
	struct vrf_slot *slots;
};

struct vrf_path {               /* branch decisions (arena-allocated, shared) */
	const struct vrf_path *prev;
	uint32_t pc;
	uint8_t taken;
};

/* Execution history of a path since its last checkpoint (arena-allocated, shared by the
 * copies of a state, newest first): every transfer of control other than to the next
 * instruction, stack accesses not addressed through r10 and the registers a conditional
 * jump refined through copies. backtrack.c walks it backwards. */
enum vrf_hist_kind {
	VH_JUMP,     /* idx reached from `from` by a jump */
	VH_CALL,     /* idx (a function entry) reached from the call at `from` */
	VH_RET,      /* idx (after a call) reached from the callee's exit at `from` */
	VH_CBCALL,   /* idx (a callback entry) reached from the helper call at `from` */
	VH_CBRET,    /* idx (the helper call) reached from the callback's exit at `from` */
	VH_STACK,    /* insn idx accessed bytes [off, off+size) of frame `frame`'s stack */
	VH_LINK,     /* jump idx refined the registers and slots in `link` */
};

struct vrf_bt {                /* registers and stack slots per frame (backtrack.c) */
	uint16_t regs[XBPF_MAX_FRAMES];
	uint64_t slots[XBPF_MAX_FRAMES];
};

struct vrf_hist {
	const struct vrf_hist *prev;
	uint32_t idx;
	uint32_t from;
	int32_t off;
	uint8_t kind;              /* enum vrf_hist_kind */
	uint8_t frame;
	uint8_t size;
	uint8_t var;               /* VH_STACK: variable offset (slots unknown) */
	const struct vrf_bt *link; /* VH_LINK */
};

struct vrf_stored;

struct vrf_state {
	struct vrf_frame *frames[XBPF_MAX_FRAMES];
	int curframe;
	uint32_t pc;
	uint32_t nrefs;
	uint32_t refs[16];         /* held reference ids */
	uint32_t ref_pc[16];       /* where each was acquired */
	uint32_t lock_id;          /* held spin lock (map value id), 0 none */
	uint8_t cb_return;         /* just back from a callback at its helper call */
	const struct vrf_path *path;
	uint32_t since_store_insns; /* instructions and jumps since a state was stored */
	uint32_t since_store_jmps;
	struct vrf_stored *ckpt;   /* the last state stored on this path (NULL: none) */
	const struct vrf_hist *hist; /* history since ckpt */
};

struct vrf_stored {            /* a state kept for pruning at one instruction */
	struct vrf_stored *next;
	struct vrf_state *st;      /* NULL once evicted (the node stays for backtracking) */
	struct vrf_stored *parent; /* the previous checkpoint on its path */
	const struct vrf_hist *hist; /* history from parent to here */
	uint32_t pc;
	uint32_t depth;            /* pending-stack depth when stored */
	uint32_t hits, misses;
	bool complete;
	bool all_precise;          /* every scalar marked (so are all ancestors') */
	bool unlisted;             /* dropped from its full list before complete: only a link
	                            * of the chain (bounds history), never prunes */
};

struct vrf_subprog {
	uint32_t start, end;
	uint16_t stack_depth;
};

struct vrf_env {
	const struct xbpf_insn *insns;
	size_t cnt;
	uint16_t *ops;             /* decoded enum xbpf_op per insn */
	uint16_t *live;            /* registers live before each insn (bit i: ri) */
	uint16_t *dem_regs;        /* registers whose exact value may matter (precise.c) */
	uint64_t *dem_slots;       /* stack slots (of the own frame) likewise */
	uint64_t *live_slots;      /* stack slots (of the own frame) that may be read later */
	bool cb_precise;           /* callbacks may need the caller's slots precisely (precise.c) */
	bool strict_stack;         /* reads of uninitialised stack are rejected (opts) */
	bool uninit_read;          /* some explored path read uninitialised stack */
	bool ptr_over_uninit;      /* pruning let uninitialised stack stand for a saved pointer */
	bool careful;              /* ... which is not allowed (verify.c careful_pass) */
	uint8_t *prune;            /* prune point kind per insn (VRF_PRUNE_*), 0 none */
	uint32_t *subprog_of;      /* subprogram index of each insn */
	struct vrf_subprog *subprogs;
	unsigned nsubprogs;
	const struct xbpf_verify_opts *opts;
	const struct xbpf_vm *vm;
	uint32_t prog_type;
	/* exploration */
	struct vrf_stored **stored; /* per insn */
	struct vrf_stored **incomplete; /* stack of stored states not yet complete */
	struct vrf_stored *evicted; /* checkpoints whose state was dropped */
	size_t nincomplete, capincomplete;
	struct vrf_state **pending; /* DFS stack of states to explore */
	size_t npending, cappending;
	uint32_t next_id;
	uint64_t insns_processed, states, max_insns;
	/* memory accounting */
	size_t bytes, peak_bytes, max_bytes;
	void *arena;               /* path and history nodes */
	size_t arena_used, arena_size;
	bool hist_oom;             /* history could not be recorded: stop (check.c) */
	/* error */
	struct xbpf_verify_result *res;
	int err;                   /* -errno of the first error */
	uint32_t err_pc;
	struct vrf_state *err_state;
	char msg[256], hint[256];
	/* log */
	unsigned log_level;
	/* current instruction's decoded fields (check.c) */
	uint32_t pc;
	uint16_t op;
	/* helper call scratch */
	int32_t call_map;          /* map of the CONST_MAP_PTR argument */
	uint64_t call_alloc_size;
	uint32_t call_func;        /* callback target of a PTR_TO_FUNC argument (UINT32_MAX none) */
	int64_t call_key;          /* array lookup: the key's known value (-1 unknown) */
	int call_key_frame, call_key_slot; /* the stack slot holding it */
	bool noreturn_checked;
};

#define VRF_HIDDEN __attribute__((visibility("hidden")))
/* env->prune kinds, in increasing order of precedence */
#define VRF_PRUNE_POINT 1     /* a jump target or the insn after a branch or call */
#define VRF_PRUNE_LOOP 2      /* the target of a backward jump: a loop head */
#define VRF_PRUNE_CALLBACK 3  /* a helper call running a callback: its iterations' head */
/* vrf_reg.precise bits: a check on a path from this state relied on the value (HARD);
 * a callback iteration from here was covered by an unfinished one comparing it (SOFT). */
#define VRF_P_HARD 1
#define VRF_P_SOFT 2
#define VRF_STACK_SLOTS (XBPF_STACK_SIZE / 8)
#define VRF_MAX_VAR_OFF (1 << 29)
#define VRF_MAX_PACKET_OFF 0xffff
#define VRF_SYSCALL_CTX_MAX 0xffff  /* as the kernel: ctx accesses below U16_MAX */

/* ---- memory (state.c) ---- */
VRF_HIDDEN void *vrf_alloc(struct vrf_env *env, size_t size);
VRF_HIDDEN void vrf_free(struct vrf_env *env, void *p, size_t size);
/* A fresh state with one frame for subprogram 0. NULL when out of memory. */
VRF_HIDDEN struct vrf_state *vrf_state_new(struct vrf_env *env);
VRF_HIDDEN struct vrf_state *vrf_state_copy(struct vrf_env *env, const struct vrf_state *st);
VRF_HIDDEN void vrf_state_free(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN struct vrf_frame *vrf_frame_new(struct vrf_env *env);
VRF_HIDDEN void vrf_frame_free(struct vrf_env *env, struct vrf_frame *f);
/* Make frame f hold at least `n` slots; false when out of memory. */
VRF_HIDDEN bool vrf_frame_grow(struct vrf_env *env, struct vrf_frame *f, int n);
/* True when every concrete state `cur` stands for is one `old` stands for, on what the
 * rest of the program can observe (live registers, stack, references); exact: equal. */
VRF_HIDDEN bool vrf_state_subsumes(struct vrf_env *env, const struct vrf_state *old,
				   const struct vrf_state *cur, bool exact);
/* Like vrf_state_subsumes (not exact); all: compare every scalar by value (old is not
 * complete). On success, need[0] holds the scalars of old compared by value with a
 * VRF_P_HARD mark, need[1] the others compared by value. */
VRF_HIDDEN bool vrf_state_covers(struct vrf_env *env, const struct vrf_state *old,
				 const struct vrf_state *cur, bool all, struct vrf_bt need[2]);

/* ---- dynamic precision (backtrack.c) ---- */
/* Record history on st (a no-op when out of arena memory is turned into a fallback). */
VRF_HIDDEN void vrf_hist_jump(struct vrf_env *env, struct vrf_state *st, uint32_t from,
			      uint32_t to, enum vrf_hist_kind kind);
VRF_HIDDEN void vrf_hist_stack(struct vrf_env *env, struct vrf_state *st, int frame,
			       int64_t off, unsigned size, bool var);
/* Record the registers and slots sharing an id with ids a or b (a conditional jump
 * refines them together). */
VRF_HIDDEN void vrf_hist_link(struct vrf_env *env, struct vrf_state *st, uint32_t a,
			      uint32_t b, unsigned dst, int src);
/* The current check relies on the values of these (before insn st->pc): mark them precise
 * in st's checkpoints, backwards through the history. */
VRF_HIDDEN void vrf_precise(struct vrf_env *env, struct vrf_state *st, const struct vrf_bt *need);
/* The same with VRF_P_SOFT marks. */
VRF_HIDDEN void vrf_precise_soft(struct vrf_env *env, struct vrf_state *st,
				 const struct vrf_bt *need);
/* Shorthands: one or two registers of the current frame (src < 0: none). */
VRF_HIDDEN void vrf_precise_regs(struct vrf_env *env, struct vrf_state *st, int a, int b);
/* Every scalar of st's checkpoints and their ancestors. */
VRF_HIDDEN void vrf_precise_all(struct vrf_env *env, struct vrf_state *st);
/* Which registers/slots share an id with a or b (0: none), in every frame. */
VRF_HIDDEN void vrf_links(const struct vrf_state *st, uint32_t a, uint32_t b, struct vrf_bt *bt);
/* Arena memory (freed with the env): 8-byte aligned, NULL when out of memory. */
VRF_HIDDEN void *vrf_arena_alloc(struct vrf_env *env, size_t size);
/* Register helpers. */
VRF_HIDDEN void vrf_mark_unknown(struct vrf_reg *r);
VRF_HIDDEN void vrf_mark_const(struct vrf_reg *r, uint64_t v);
VRF_HIDDEN void vrf_mark_not_init(struct vrf_reg *r);
VRF_HIDDEN bool vrf_is_ptr(const struct vrf_reg *r);
/* Apply fn to every register and spilled register of every frame. */
VRF_HIDDEN void vrf_for_each_reg(struct vrf_state *st, void (*fn)(struct vrf_reg *r, void *arg),
				 void *arg);

/* ---- control flow (cfg.c) ---- */
/* Decode, check structure, find subprograms, prune points and register liveness.
 * 0 or -errno with the error recorded. */
VRF_HIDDEN int vrf_cfg(struct vrf_env *env);

/* Static precision analysis (precise.c): fills env->dem_regs/dem_slots. */
VRF_HIDDEN void vrf_precision(struct vrf_env *env);

/* ---- exploration (check.c) ---- */
VRF_HIDDEN int vrf_explore(struct vrf_env *env);
VRF_HIDDEN uint32_t vrf_new_id(struct vrf_env *env);
VRF_HIDDEN struct vrf_reg *vrf_reg(struct vrf_state *st, unsigned r);
VRF_HIDDEN struct vrf_frame *vrf_cur(struct vrf_state *st);
/* Queue a state to explore later (takes ownership). */
VRF_HIDDEN int vrf_push(struct vrf_env *env, struct vrf_state *st);
/* Check a register may be read (initialised). 0 or error. */
VRF_HIDDEN int vrf_check_read(struct vrf_env *env, struct vrf_state *st, unsigned r);

/* ---- transfer functions ---- */
VRF_HIDDEN int vrf_check_alu(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_load(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_store(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_atomic(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_lddw(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_ldabs(struct vrf_env *env, struct vrf_state *st);
/* Conditional jump: continues st on one branch (returns its pc in *next), may queue the
 * other. *next = UINT32_MAX when neither branch is feasible. */
VRF_HIDDEN int vrf_check_cond(struct vrf_env *env, struct vrf_state *st, uint32_t *next);
/* Helper memory argument: reg regno points to [0, size) readable/writable bytes, where
 * size is a scalar range (its umax is used). */
VRF_HIDDEN int vrf_check_helper_mem(struct vrf_env *env, struct vrf_state *st,
				    unsigned regno, uint64_t size_max, bool write,
				    bool null_ok);

/* ---- calls (calls.c) ---- */
VRF_HIDDEN int vrf_check_helper(struct vrf_env *env, struct vrf_state *st);
VRF_HIDDEN int vrf_check_local_call(struct vrf_env *env, struct vrf_state *st, uint32_t *next);
/* exit: returns to the caller (frame > 0, *next = return pc) or ends the path
 * (*next = UINT32_MAX). */
VRF_HIDDEN int vrf_check_exit(struct vrf_env *env, struct vrf_state *st, uint32_t *next);
/* The prototype of helper id (the VM's, else the kernel's); NULL when unknown. */
VRF_HIDDEN const struct xbpf_helper_proto *vrf_helper_proto(struct vrf_env *env, uint32_t id,
							    const char **name);

/* Does helper id take a callback (a PTR_TO_FUNC argument)? */
VRF_HIDDEN bool vrf_helper_has_callback(struct vrf_env *env, int32_t id);

/* ---- contexts (ctx.c) ---- */
enum vrf_ctx_field { CF_SCALAR, CF_PKT, CF_PKT_END, CF_PKT_META, CF_SOCK };
/* Is a `size`-byte access at ctx offset off allowed for this program type (write or
 * read)? 0 and the loaded field kind in *kind, or -EACCES. */
VRF_HIDDEN int vrf_ctx_access(uint32_t prog_type, int32_t off, unsigned size, bool write,
			      enum vrf_ctx_field *kind);
/* Size of the context structure of a program type (0 when unknown). */
VRF_HIDDEN uint32_t vrf_ctx_size(uint32_t prog_type);
/* May a program of this type call helper id? */
VRF_HIDDEN bool vrf_helper_allowed(uint32_t prog_type, uint32_t id);
/* Does helper id invalidate packet pointers (moves or resizes the packet)? */
VRF_HIDDEN bool vrf_helper_changes_pkt_data(uint32_t id);
/* May it write packet data? */
VRF_HIDDEN bool vrf_pkt_writable(uint32_t prog_type);
/* Does LD_ABS/LD_IND work for it (socket filter, tc)? */
VRF_HIDDEN bool vrf_ldabs_allowed(uint32_t prog_type);
VRF_HIDDEN const char *vrf_prog_type_name(uint32_t prog_type);

/* ---- references (refs.c) ---- */
VRF_HIDDEN int vrf_ref_acquire(struct vrf_env *env, struct vrf_state *st, uint32_t *id);
VRF_HIDDEN int vrf_ref_release(struct vrf_env *env, struct vrf_state *st, uint32_t id);
/* At program exit / tail call: every reference released and no lock held. */
VRF_HIDDEN int vrf_refs_check_exit(struct vrf_env *env, struct vrf_state *st, const char *what);

/* ---- messages (log.c) ---- */
/* Record a rejection at the current insn: message and hint. Returns -err. */
VRF_HIDDEN int vrf_reject(struct vrf_env *env, struct vrf_state *st, int err, const char *hint,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
VRF_HIDDEN const char *vrf_type_name(const struct vrf_reg *r);
/* "R1=ctx() R2=pkt(off=14,r=14)" for the registers of the current frame; returns buf. */
VRF_HIDDEN char *vrf_state_str(struct vrf_env *env, const struct vrf_state *st, char *buf,
			       size_t size);
VRF_HIDDEN char *vrf_reg_str(const struct vrf_reg *r, char *buf, size_t size);
/* Level-2 log line for the insn just checked. */
VRF_HIDDEN void vrf_log_insn(struct vrf_env *env, const struct vrf_state *st, uint32_t pc);
VRF_HIDDEN void vrf_log(struct vrf_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Fill env->res from the recorded error (explanation text, source line, path). */
VRF_HIDDEN void vrf_finish_result(struct vrf_env *env);
VRF_HIDDEN const char *vrf_disasm(struct vrf_env *env, uint32_t pc, char *buf, size_t size);

#endif /* XBPF_VRF_H */
