/* vm_internal.h - the VM's private structures, shared by the validator, the engines
 * (interpreter, JIT), the helpers and the loader.
 *
 * Invariants:
 *  - a struct xbpf_prog is immutable after xbpf_prog__load() returns (runs share it);
 *  - prog->code[] has one decoded entry per instruction slot; the second slot of a lddw
 *    has op XOP_INVALID and is never executed (validation guarantees no jump lands there);
 *  - everything a single run mutates lives in struct xbpf_run_ctx, on the caller's stack.
 *
 * Module prefix: vm_ (hidden).
 */
#ifndef XBPF_VM_INTERNAL_H
#define XBPF_VM_INTERNAL_H

#include <stdatomic.h>
#include <stdio.h>
#include "xbpf/vm.h"
#include "../isa/isa.h"

#define VM_HIDDEN __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct vm_helper {
	xbpf_helper_fn fn;   /* NULL: no helper with this id */
	char *name;
	struct xbpf_helper_proto proto;
};

struct xbpf_vm {
	struct vm_helper helpers[XBPF_MAX_HELPER_ID];
	enum xbpf_engine engine;
	/* trace_printk sink (src/helpers, xbpf_vm__set_trace_sink); NULL: stderr */
	void (*trace_fn)(void *cookie, const char *msg, size_t len);
	void *trace_cookie;
};

/* One decoded instruction: the table row plus pre-computed operands. */
struct vm_dinsn {
	uint16_t op;   /* enum xbpf_op; XOP_INVALID on a lddw second slot */
	uint8_t dst;
	uint8_t src;   /* callx: the register holding the helper id, whichever field had it */
	int32_t off;   /* memory offset; for jumps and local calls: absolute target index */
	int64_t imm;   /* imm sign-extended to 64 bits; lddw: the full 64-bit value after map
			* resolution (src 1/5: struct xbpf_map *; src 2/6: value address;
			* src 4: a function value for xbpf_run_ctx__call) */
};

struct vm_func {       /* a function (main program or bpf-to-bpf callee) */
	uint32_t start;    /* first instruction index */
	uint32_t end;      /* one past the last */
};

struct xbpf_prog {
	struct xbpf_vm *vm;
	char *name;
	struct xbpf_insn *insns;  /* copy of the loaded instructions */
	size_t insn_cnt;
	struct vm_dinsn *code;    /* insn_cnt entries */
	struct vm_func *funcs;    /* funcs[0] is the main program; sorted by start */
	unsigned func_cnt;
	uint32_t flags;           /* XBPF_PROG_F_* */
	enum xbpf_engine engine;
	uint32_t prog_type;
	struct xbpf_map **maps;   /* references from lddw src=1/2/5/6 */
	unsigned map_cnt;
	/* The directly addressable map values (global data) as run regions, built at load:
	 * read-only for XBPF_F_RDONLY_PROG maps. Copied into each run's region table. */
	struct xbpf_region *map_regions;
	unsigned map_region_cnt;
	/* false when no instruction names r10: the program cannot address its stack, so a
	 * run need not clear it (set at load, vm.c) */
	bool uses_stack;
	/* unique per load in this process (vm.c): tells a program from a later one that
	 * happens to get the same address (the per-thread run cache of runner.c) */
	uint64_t serial;
	/* JIT output (src/jit): entry point and its memory, NULL when not compiled. */
	void *jit_image;
	size_t jit_size;
	uint64_t (*jit_entry)(uint64_t r1, uint64_t r2, struct xbpf_run_ctx *rc);
	void *jit_priv;           /* JIT-private data (per-pc native addresses, ...) */
	void *loader_priv;        /* loader-private data (object, BTF line info, ...) */
	atomic_uint refcnt;       /* program arrays hold references */
};

/* Must a run zero the stack before this program starts? Only when it can address the stack
 * (uses_stack) and may read bytes it did not write first (not XBPF_PROG_F_VERIFIED, which
 * loaders give only to programs the verifier proved never do: res.reads_uninit_stack
 * false): otherwise a stale stack is unobservable. xbpf_prog__run, runners, tail calls. */
static inline bool vm_prog_clears_stack(const struct xbpf_prog *p)
{
	return p->uses_stack && !(p->flags & XBPF_PROG_F_VERIFIED);
}

#define VM_MAX_INSNS 1000000 /* instruction slots in one program (load rejects more) */
#define VM_MAX_REGIONS 64    /* fixed + dynamic regions in one run */
#define VM_FIXED_REGIONS 8   /* stack, ctx, pkt, caller's regions (first slots) */
#define VM_MAX_USER_REGIONS 16 /* xbpf_run_opts.region_cnt limit */
#define VM_MIN_DYN_REGIONS 8 /* slots always left for xbpf_run_ctx__add_region() */

/* The mutable state of one run. Lives on the stack of xbpf_prog__run(), which sets every
 * field (run_init_fields()/run_setup() in vm.c: add a new field there) but regions[]. */
struct xbpf_run_ctx {
	struct xbpf_vm *vm;
	struct xbpf_prog *prog;        /* running program (changes on a tail call) */
	void *user;
	unsigned cpu;
	/* memory checks */
	struct xbpf_region regions[VM_MAX_REGIONS];
	unsigned region_cnt;           /* in use */
	unsigned region_fixed;         /* regions [0, region_fixed) are never recycled */
	unsigned region_next;          /* next dynamic slot to recycle */
	/* packet for LD_ABS/LD_IND */
	const uint8_t *pkt;
	size_t pkt_size;
	/* the stack of all frames: frame i occupies [stack + i*512, stack + (i+1)*512);
	 * r10 of frame i is stack + (i+1)*512 */
	uint8_t *stack;
	unsigned depth;                /* current call depth (0 = main) */
	/* tail calls */
	struct xbpf_prog *tail_target; /* set by xbpf_run_ctx__tail_call() */
	unsigned tail_calls;
	/* budget: remaining instruction slots; UINT64_MAX when unlimited */
	uint64_t budget;
	/* runtime error: first error wins */
	int err;
	char *log_buf;
	size_t log_size;
	/* loader/hook data for context-aware helpers (xdp_adjust_head, skb_load_bytes...) */
	void *ctx;
	size_t ctx_size;
	void *hook_priv;
	/* engine of this run (INTERP, INTERP_SWITCH or JIT): callbacks run on the same one */
	enum xbpf_engine engine;
	/* set by the interpreter: "goto" or "switch", the dispatch that ran (for tests) */
	const char *dispatch;
	/* JIT (src/jit): native stack pointer to unwind to on a runtime error, and how many
	 * callbacks (vm_jit_call) are nested; both maintained by the JIT only */
	uint64_t jit_sp;
	unsigned jit_nest;
};

/* Engines. Each returns 0 with *ret = r0, or -errno with rc->err set and the message in
 * rc->log_buf (vm_error()). */
VM_HIDDEN int vm_interp_run(struct xbpf_prog *prog, struct xbpf_run_ctx *rc, uint64_t r1,
			    uint64_t r2, uint64_t *ret, bool use_switch);
/* Run function `fn` (a lddw src=4 value) of rc->prog in the interpreter, nested in the
 * current run (callbacks). */
VM_HIDDEN int vm_interp_call(struct xbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5],
			     uint64_t *ret, bool use_switch);

/* JIT (src/jit). vm_jit_compile() fills prog->jit_*; returns 0 or -errno (-ENOTSUP on a
 * platform without a backend). vm_jit_free() releases them. */
VM_HIDDEN int vm_jit_compile(struct xbpf_prog *prog, char *log, size_t log_size);
VM_HIDDEN void vm_jit_free(struct xbpf_prog *prog);
VM_HIDDEN int vm_jit_call(struct xbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5],
			  uint64_t *ret);

/* The run path shared by xbpf_prog__run() and runners (vm.c). vm_run_setup() fills every
 * field of rc from opts (ctx/pkt/regions/budget/...; regions[0] is the stack); returns 0
 * or -EINVAL. vm_run_engine() runs
 * rc->prog on `engine` (tail calls and the JIT's error protocol included): 0 with *r0, or
 * -errno. */
VM_HIDDEN int vm_run_setup(struct xbpf_run_ctx *rc, struct xbpf_prog *prog,
			   const struct xbpf_run_opts *opts, uint8_t *stack);
VM_HIDDEN int vm_run_engine(struct xbpf_run_ctx *rc, enum xbpf_engine engine, uint64_t r1,
			    uint64_t r2, uint64_t *r0);
/* xbpf_prog__run()'s shortcut (runner.c): run on this thread's cached runner, set up for
 * the program, engine, caller regions and packet of the last such run (rebuilt when one
 * differs), unless the thread is already inside such a run. Returns 1 when it did not run
 * (take the full path), else 0 with *r0 or -errno. */
VM_HIDDEN int vm_run_cached(struct xbpf_prog *prog, const struct xbpf_run_opts *opts,
			    enum xbpf_engine engine, uint64_t *r0);

/* Validation (src/isa/validate.c): checks every rule of the core issue and fills
 * prog->code and prog->funcs. Returns 0 or -EINVAL with one line in log. */
VM_HIDDEN int vm_validate(struct xbpf_prog *prog, char *log, size_t log_size);

/* Print through the callback of xbpf_set_print() (src/vm/vm.c). */
VM_HIDDEN void vm_pr(enum xbpf_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Program references (program arrays hold one): xbpf_prog__free() is vm_prog_put(). */
VM_HIDDEN void vm_prog_get(struct xbpf_prog *prog);
VM_HIDDEN void vm_prog_put(struct xbpf_prog *prog);

/* Record a runtime error (first one wins) and return -err. Formats like printf. */
VM_HIDDEN int vm_error(struct xbpf_run_ctx *rc, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runtime memory check used by the engines when checks are on: returns true when
 * [addr, addr+size) is inside a region (writable when `write`). */
VM_HIDDEN bool vm_mem_ok(const struct xbpf_run_ctx *rc, uint64_t addr, size_t size, bool write);
/* For a failed check of [addr, addr+size): where it fell, into buf (src/vm/fault_msg.c):
 * ": at offset 1498 of the packet (1500 bytes), 2 bytes past its end", ": ctx is
 * read-only", ": not in any region (the stack [0x..., 4096 bytes], ctx [...])". */
VM_HIDDEN void vm_fault_where(const struct xbpf_run_ctx *rc, uint64_t addr, unsigned size,
			      bool write, char *buf, size_t len);

/* Maps as the core sees them (implemented in src/maps/): a program holds a reference on
 * each map its lddw instructions name. map_value_base() is the address of the value of
 * key 0 for array-like maps (global data sections), else NULL; map_value_size() its size. */
VM_HIDDEN void vm_map_get(struct xbpf_map *map);
VM_HIDDEN void vm_map_put(struct xbpf_map *map);
VM_HIDDEN void *vm_map_value_base(struct xbpf_map *map);
VM_HIDDEN size_t vm_map_value_size(struct xbpf_map *map);

/* For the JIT's inline map lookups (vm.c): the built-in helper `id` as every new VM gets
 * it (NULL when none), to tell whether a VM's helper is still the built-in one; and an
 * ARRAY map's values as programs see them (index i < *max_entries at *base + i * *stride,
 * the address bpf_map_lookup_elem returns): false for any other kind of map. */
VM_HIDDEN xbpf_helper_fn vm_builtin_helper(uint32_t id);
VM_HIDDEN bool vm_map_array_layout(struct xbpf_map *map, uint8_t **base, uint64_t *stride,
				   uint32_t *max_entries);

/* Encode/decode the function value lddw src=4 loads: the target instruction index with a
 * tag, so a helper can tell a function value from an arbitrary number. */
#define VM_FUNC_TAG 0xb9f0000000000000ull
#define VM_FUNC_MASK 0x00000000ffffffffull
static inline uint64_t vm_func_value(uint32_t pc) { return VM_FUNC_TAG | pc; }
static inline bool vm_is_func_value(uint64_t v) { return (v & ~VM_FUNC_MASK) == VM_FUNC_TAG; }

#endif /* XBPF_VM_INTERNAL_H */
