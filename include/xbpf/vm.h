/* xbpf/vm.h - the core public API: VM objects, helpers, loading and running programs.
 *
 * Conventions (libbpf's): opaque handles with noun__verb methods; optional arguments in
 * *_opts structs whose first member `sz` is sizeof the struct as the caller knows it (for
 * ABI growth: fields past sz read as zero); functions returning int give 0 or -errno;
 * functions returning pointers give NULL and set errno.
 */
#ifndef XBPF_VM_H
#define XBPF_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "insn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XBPF_API __attribute__((visibility("default")))

struct xbpf_vm;      /* helper table and VM-wide settings; shared by many programs */
struct xbpf_prog;    /* a validated, ready-to-run program */
struct xbpf_run_ctx; /* the state of one run, handed to helpers */

/* ---- logging ---------------------------------------------------------------------- */
enum xbpf_print_level { XBPF_WARN, XBPF_INFO, XBPF_DEBUG };
typedef int (*xbpf_print_fn_t)(enum xbpf_print_level level, const char *fmt, va_list ap);
/* Set the library's print callback (NULL silences it); returns the previous one. */
XBPF_API xbpf_print_fn_t xbpf_set_print(xbpf_print_fn_t fn);

/* ---- engines ---------------------------------------------------------------------- */
enum xbpf_engine {
	XBPF_ENGINE_DEFAULT = 0,   /* the program's engine (load opts), else the interpreter */
	XBPF_ENGINE_INTERP,        /* threaded interpreter (computed goto where supported) */
	XBPF_ENGINE_INTERP_SWITCH, /* the same interpreter built with switch dispatch */
	XBPF_ENGINE_JIT,           /* native code (x86-64) */
};

/* ---- helpers ---------------------------------------------------------------------- */
/* A helper receives r1-r5 and the run context; its result goes to r0. */
typedef uint64_t (*xbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, struct xbpf_run_ctx *rc);

/* Argument and return types of a helper, as the verifier reads them (kernel semantics of
 * enum bpf_arg_type / bpf_return_type, under xbpf names). */
enum xbpf_arg_type {
	XBPF_ARG_DONTCARE = 0,        /* unused argument */
	XBPF_ARG_ANYTHING,            /* any initialised value */
	XBPF_ARG_CONST_MAP_PTR,       /* a map (lddw map) */
	XBPF_ARG_PTR_TO_MAP_KEY,      /* pointer to key_size initialised bytes */
	XBPF_ARG_PTR_TO_MAP_VALUE,    /* pointer to value_size initialised bytes */
	XBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, /* pointer to value_size writable bytes */
	XBPF_ARG_PTR_TO_MEM,          /* readable memory; size in the next argument */
	XBPF_ARG_PTR_TO_MEM_OR_NULL,
	XBPF_ARG_PTR_TO_UNINIT_MEM,   /* writable memory; size in the next argument */
	XBPF_ARG_CONST_SIZE,          /* size > 0, bounded */
	XBPF_ARG_CONST_SIZE_OR_ZERO,  /* size >= 0, bounded */
	XBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* ringbuf_reserve size: must be a known constant */
	XBPF_ARG_PTR_TO_CTX,
	XBPF_ARG_PTR_TO_CTX_OR_NULL,
	XBPF_ARG_PTR_TO_STACK,        /* pointer into the stack */
	XBPF_ARG_PTR_TO_LONG,         /* 8 writable bytes */
	XBPF_ARG_PTR_TO_INT,          /* 4 writable bytes */
	XBPF_ARG_PTR_TO_CONST_STR,    /* NUL-terminated string in read-only map data */
	XBPF_ARG_PTR_TO_FUNC,         /* callback (lddw src=4) */
	XBPF_ARG_PTR_TO_SPIN_LOCK,    /* struct bpf_spin_lock inside a map value */
	XBPF_ARG_PTR_TO_RINGBUF_MEM,  /* memory from ringbuf_reserve (released by the call) */
	XBPF_ARG_PTR_TO_SOCK_COMMON,  /* kernel socket pointers: accepted as opaque */
	XBPF_ARG_PTR_TO_BTF_ID,       /* kernel object pointer: accepted as opaque */
	XBPF_ARG_PTR_TO_DYNPTR,
	XBPF_ARG_PTR_TO_TIMER,
	XBPF_ARG_CONST_MAP_PTR_OR_NULL,
	XBPF_ARG_PTR_TO_STACK_OR_NULL, /* bpf_loop's callback_ctx: stack pointer or NULL */
	XBPF_ARG__COUNT,
};

enum xbpf_ret_type {
	XBPF_RET_INTEGER = 0,             /* a scalar */
	XBPF_RET_VOID,                    /* r0 undefined after the call */
	XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL,
	XBPF_RET_PTR_TO_MAP_VALUE,
	XBPF_RET_PTR_TO_RINGBUF_MEM_OR_NULL, /* size: the constant argument 2 */
	XBPF_RET_PTR_TO_SOCKET_OR_NULL,
	XBPF_RET_PTR_TO_MEM_OR_NULL,
	XBPF_RET_PTR_TO_BTF_ID,
	XBPF_RET_PTR_TO_BTF_ID_OR_NULL,
	XBPF_RET__COUNT,
};

#define XBPF_HELPER_F_NORETURN_ON_SUCCESS (1u << 0) /* tail_call: does not return if it works */
#define XBPF_HELPER_F_RELEASES_ARG1      (1u << 1) /* releases the reference in arg 1 */
#define XBPF_HELPER_F_ACQUIRES_REF       (1u << 2) /* returns a reference that must be released */
#define XBPF_HELPER_F_GPL_ONLY           (1u << 3)

struct xbpf_helper_proto {
	enum xbpf_ret_type ret;
	enum xbpf_arg_type args[5];
	uint32_t flags;            /* XBPF_HELPER_F_* */
};

/* ---- VM ----------------------------------------------------------------------------- */
struct xbpf_vm_opts {
	size_t sz;
	/* Do not pre-register xbpf's built-in (kernel-compatible) helpers. */
	bool no_builtin_helpers;
	/* Default engine of programs loaded into this VM. */
	enum xbpf_engine engine;
};

#define XBPF_MAX_HELPER_ID 1024

/* Create a VM. Returns NULL and sets errno on failure. */
XBPF_API struct xbpf_vm *xbpf_vm__new(const struct xbpf_vm_opts *opts);
/* Free a VM. Its programs must have been freed first. */
XBPF_API void xbpf_vm__free(struct xbpf_vm *vm);

/* Register (or replace) helper `id` (< XBPF_MAX_HELPER_ID) with a name (copied) and an
 * optional prototype (NULL: five ANYTHING arguments returning an integer). Returns 0,
 * -EINVAL for a bad id or NULL fn/name. Programs loaded afterwards can call it. */
XBPF_API int xbpf_vm__register_helper(struct xbpf_vm *vm, uint32_t id, const char *name,
				      xbpf_helper_fn fn, const struct xbpf_helper_proto *proto);
/* The id of the helper called `name` (with or without a "bpf_" prefix), or -ENOENT. */
XBPF_API int xbpf_vm__helper_id(const struct xbpf_vm *vm, const char *name);
/* The name of helper `id`, or NULL when none is registered. */
XBPF_API const char *xbpf_vm__helper_name(const struct xbpf_vm *vm, uint32_t id);
/* The prototype of helper `id`, or NULL. */
XBPF_API const struct xbpf_helper_proto *xbpf_vm__helper_proto(const struct xbpf_vm *vm,
							       uint32_t id);

/* ---- loading ------------------------------------------------------------------------ */
/* Program flags */
#define XBPF_PROG_F_NO_CHECKS (1u << 0) /* trusted (e.g. verified): no runtime memory checks */
#define XBPF_PROG_F_VERIFIED  (1u << 1) /* the verifier accepted it and no path reads stack
					 * it has not written (the loader does not set it for a
					 * program that does), so runs skip clearing the stack
					 * (xbpf_prog__run, xbpf_runner__run) */
#define XBPF_PROG_F_JIT_BLIND (1u << 8) /* JIT: blind immediates (untrusted constants never
					 * appear verbatim in executable memory) */

struct xbpf_map; /* maps: see map.h */

struct xbpf_prog_load_opts {
	size_t sz;
	/* Where the load error goes, as one line of text (may be NULL). */
	char *log_buf;
	size_t log_size;
	uint32_t flags;          /* XBPF_PROG_F_* */
	enum xbpf_engine engine; /* DEFAULT: the VM's */
	const char *name;        /* program name (copied), for messages */
	/* Maps referenced by lddw src=1/5 (imm = index) and src=2/6 (imm = index,
	 * next.imm = offset into the value of key 0). The program keeps references. */
	struct xbpf_map **maps;
	unsigned map_cnt;
	/* Program type (enum xbpf_prog_type of object.h; 0 = raw memory). */
	uint32_t prog_type;
	/* Leading instructions of the main function end before this index... (reserved) */
};

/* Validate and prepare `insn_cnt` instructions (copied). Returns NULL and sets errno on
 * failure (EINVAL for a malformed program, ENOMEM, ENOTSUP for a JIT the platform lacks),
 * with the reason in opts->log_buf: "insn 7 (ja +100): jump out of range (target 108, program
 * has 9 instructions)". */
XBPF_API struct xbpf_prog *xbpf_prog__load(struct xbpf_vm *vm, const struct xbpf_insn *insns,
					   size_t insn_cnt, const struct xbpf_prog_load_opts *opts);
XBPF_API void xbpf_prog__free(struct xbpf_prog *prog);
XBPF_API size_t xbpf_prog__insn_cnt(const struct xbpf_prog *prog);
XBPF_API const struct xbpf_insn *xbpf_prog__insns(const struct xbpf_prog *prog);
XBPF_API const char *xbpf_prog__name(const struct xbpf_prog *prog);
XBPF_API struct xbpf_vm *xbpf_prog__vm(const struct xbpf_prog *prog);

/* ---- running ------------------------------------------------------------------------ */
/* A memory region a program may access when runtime checks are on. */
struct xbpf_region {
	void *base;
	size_t size;
	bool writable;
};

struct xbpf_run_opts {
	size_t sz;
	/* r1 = ctx, r2 = ctx_size; [ctx, ctx+ctx_size) is readable and writable. */
	void *ctx;
	size_t ctx_size;
	/* Packet for LD_ABS/LD_IND (NULL: the ctx memory) */
	const void *pkt;
	size_t pkt_size;
	/* Further memory the program may touch (e.g. the packet behind an xdp_md). */
	const struct xbpf_region *regions;
	unsigned region_cnt;
	/* Stop with -ETIME after this many instructions (0: no limit). */
	uint64_t budget;
	/* Engine for this run (DEFAULT: the program's). */
	enum xbpf_engine engine;
	/* Worker slot for per-CPU data (0..XBPF_MAX_CPUS-1). */
	unsigned cpu;
	/* Opaque pointer for helpers (xbpf_run_ctx__user). */
	void *user;
	/* Runtime error text ("insn 4 (stxw [r1+8], r2): out-of-bounds write of 4 bytes ...") */
	char *log_buf;
	size_t log_size;
	/* out */
	uint64_t retval;
};

#define XBPF_MAX_CPUS 64

/* Run the program once. Returns 0 with opts->retval = r0, or -errno: -EFAULT when a
 * runtime memory check failed, -ETIME when the budget ran out, -E2BIG when the call depth
 * or tail-call limit was exceeded, -EINVAL for bad arguments. Thread-safe: any number of
 * threads may run the same program at once. */
XBPF_API int xbpf_prog__run(struct xbpf_prog *prog, struct xbpf_run_opts *opts);

/* Shorthand: run on raw memory (r1 = mem, r2 = len) with default options; r0 in *ret. */
XBPF_API int xbpf_prog__exec(struct xbpf_prog *prog, void *mem, size_t len, uint64_t *ret);

/* ---- for helpers -------------------------------------------------------------------- */
XBPF_API struct xbpf_vm *xbpf_run_ctx__vm(const struct xbpf_run_ctx *rc);
XBPF_API struct xbpf_prog *xbpf_run_ctx__prog(const struct xbpf_run_ctx *rc);
XBPF_API void *xbpf_run_ctx__user(const struct xbpf_run_ctx *rc);
XBPF_API unsigned xbpf_run_ctx__cpu(const struct xbpf_run_ctx *rc);
/* Make [base, base+size) accessible to the rest of this run (runtime checks on), e.g. a
 * map value a helper returns. Returns 0 or -ENOSPC (the oldest dynamic region is then
 * recycled, so this never fails in practice). */
XBPF_API int xbpf_run_ctx__add_region(struct xbpf_run_ctx *rc, void *base, size_t size,
				      bool writable);
/* True when [addr, addr+size) lies inside one region known to this run. */
XBPF_API bool xbpf_run_ctx__check(const struct xbpf_run_ctx *rc, uint64_t addr, size_t size,
				  bool write);
/* Call a program function from a helper (bpf_loop, for_each_map_elem callbacks): `fn` is
 * the value a lddw src=4 put in a register. Returns 0 with r0 in *ret, or -errno. */
XBPF_API int xbpf_run_ctx__call(struct xbpf_run_ctx *rc, uint64_t fn, uint64_t a1, uint64_t a2,
				uint64_t a3, uint64_t a4, uint64_t a5, uint64_t *ret);
/* Request a tail call to `target` (bpf_tail_call): when the current helper returns, the
 * engine replaces the running program with `target`, same ctx. Returns 0, or -E2BIG
 * past XBPF_MAX_TAIL_CALLS. */
XBPF_API int xbpf_run_ctx__tail_call(struct xbpf_run_ctx *rc, struct xbpf_prog *target);

/* ---- instruction text ----------------------------------------------------------------- */
enum xbpf_syntax { XBPF_SYNTAX_UBPF, XBPF_SYNTAX_KERNEL };

/* Disassemble insns[idx] (and its second slot for lddw) into buf. Jump targets are shown
 * as relative offsets ("+3"); `vm` (may be NULL) names helpers. Returns the length
 * snprintf would have written, or -EINVAL for an invalid instruction (buf then holds
 * ".insn 0x...": a raw rendering). */
XBPF_API int xbpf_disasm_insn(const struct xbpf_insn *insns, size_t cnt, size_t idx,
			      enum xbpf_syntax syntax, const struct xbpf_vm *vm, char *buf,
			      size_t size);

/* Assemble program text in either syntax (detected per line), with labels. On success
 * returns 0 and a malloc'ed array in *out (free()) with its length in *cnt. On failure
 * -EINVAL with "line 3: unknown mnemonic 'mvo'" in err. `vm` (may be NULL) resolves helper
 * names in `call bpf_map_lookup_elem`. */
XBPF_API int xbpf_asm(const char *text, const struct xbpf_vm *vm, struct xbpf_insn **out,
		      size_t *cnt, char *err, size_t err_size);

/* Disassemble a whole program, one instruction a line; with labels for jump targets
 * when `labels` (ubpf syntax), else relative offsets. Returns a malloc'ed string. */
XBPF_API char *xbpf_disasm(const struct xbpf_insn *insns, size_t cnt, enum xbpf_syntax syntax,
			   bool labels, const struct xbpf_vm *vm);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_VM_H */
