/* xbpf/object.h - eBPF object files (clang -target bpf, libbpf and legacy conventions):
 * open an ELF object, list its programs and maps, load it (create the maps, apply the
 * relocations, link subprograms, load each program into a VM).
 *
 * Conventions (libbpf's): opaque handles with noun__verb methods; optional arguments in
 * *_opts structs whose first member `sz` is sizeof the struct as the caller knows it;
 * int results are 0 or -errno; pointer results are NULL with errno set. Every failure
 * also leaves one line of text saying what and where ("prog 'xdp_main' insn 12: call to
 * undefined function 'foo'"): in opts->log_buf when given, and in
 * xbpf_object__last_error() (per thread) always.
 *
 * Lifetime: programs and maps belong to their object; xbpf_object__close() frees the
 * loaded programs and drops the object's references on its live maps (a struct xbpf_map
 * the caller took a reference on with xbpf_map__get() survives the object).
 *
 * Thread safety: an object is used by one thread at a time; its loaded programs may run
 * in any number of threads.
 */
#ifndef XBPF_OBJECT_H
#define XBPF_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vm.h"
#include "progtype.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xbpf_object;      /* one opened ELF object */
struct xbpf_program;     /* one program of an object (a function in a program section) */
struct xbpf_object_map;  /* one map definition of an object (live map after load) */
struct xbpf_map;         /* a live map: see map.h */

/* ---- opening ------------------------------------------------------------------------ */
struct xbpf_object_open_opts {
	size_t sz;
	/* Name of the object (open_mem; open_file: the file's base name). */
	const char *object_name;
	/* Target BTF for CO-RE relocations: a raw BTF or ELF file with .BTF. NULL: the
	 * running kernel's /sys/kernel/btf/vmlinux when present, else xbpf's own BTF of its
	 * program context types. */
	const char *btf_custom_path;
	/* Never use /sys/kernel/btf/vmlinux (CO-RE against xbpf's own BTF only). */
	bool no_kernel_btf;
	/* Error text (one line) on failure. */
	char *log_buf;
	size_t log_size;
};

/* Open an object file. NULL + errno on failure: ENOENT/EACCES (file), EINVAL (not a
 * BPF ELF object, or malformed: truncated, bad section indexes, bad relocations, bad
 * BTF), ENOTSUP (a feature xbpf cannot give a meaning to), ENOMEM. */
XBPF_API struct xbpf_object *xbpf_object__open_file(const char *path,
						    const struct xbpf_object_open_opts *opts);
/* Open an object image in memory (copied). */
XBPF_API struct xbpf_object *xbpf_object__open_mem(const void *buf, size_t size,
						   const struct xbpf_object_open_opts *opts);
/* Free the object, its programs and map definitions. NULL is a no-op. */
XBPF_API void xbpf_object__close(struct xbpf_object *obj);

/* The error text of the last failed open/load in this thread ("" when none). */
XBPF_API const char *xbpf_object__last_error(void);

XBPF_API const char *xbpf_object__name(const struct xbpf_object *obj);
/* Contents of the "license" section ("" when absent). */
XBPF_API const char *xbpf_object__license(const struct xbpf_object *obj);
/* Contents of the "version" section (0 when absent). */
XBPF_API uint32_t xbpf_object__kversion(const struct xbpf_object *obj);

/* ---- loading ------------------------------------------------------------------------ */
struct xbpf_object_load_opts {
	size_t sz;
	/* VM to load the programs into. NULL: the object creates its own VM (with the
	 * built-in helpers), freed by xbpf_object__close(). */
	struct xbpf_vm *vm;
	/* Do not run the verifier: the programs are trusted (runtime memory checks stay
	 * on unless prog_flags says otherwise). By default every program is verified and,
	 * once accepted, loaded with XBPF_PROG_F_NO_CHECKS (no runtime checks in the
	 * interpreter and the JIT); run it through xbpf_prog__test_run() or give
	 * xbpf_prog__run() a context as large as the program type's layout. */
	bool no_verify;
	/* XBPF_PROG_F_* for every program. */
	uint32_t prog_flags;
	enum xbpf_engine engine;
	/* Directory for maps with pinning = LIBBPF_PIN_BY_NAME (NULL: no pinning). An
	 * existing pin is reused, a missing one is created. */
	const char *pin_root;
	/* Error text (one line) on failure. */
	char *log_buf;
	size_t log_size;
	/* Verify with xbpf_verify_opts.strict_stack: reject reads of stack never written
	 * (by default allowed, as the kernel does for privileged loaders). */
	bool strict_stack;
};

/* Create the object's maps (with their initial contents: global data images, .kconfig
 * values, program array and map-in-map slots, including the legacy "<id>/<slot>" and
 * "<type>/<n>" tail-call sections), apply CO-RE relocations, verify each program (unless
 * no_verify) and load it with xbpf_prog__load(). opts may be NULL. Returns 0 or -errno
 * (-EINVAL, -EACCES, ... with the reason in the log: a verifier rejection with the
 * instruction and source line, an unsatisfiable CO-RE relocation naming the type and
 * field, a map the maps API refused). -EALREADY when already loaded. On failure nothing
 * stays loaded. */
XBPF_API int xbpf_object__load(struct xbpf_object *obj, const struct xbpf_object_load_opts *opts);
/* The VM the programs were loaded into (NULL before load). */
XBPF_API struct xbpf_vm *xbpf_object__vm(const struct xbpf_object *obj);

/* ---- programs ----------------------------------------------------------------------- */
/* Iterate: prev NULL gives the first program, then the next; NULL at the end. Programs
 * come in ELF order (section index, then offset). */
XBPF_API struct xbpf_program *xbpf_object__next_program(const struct xbpf_object *obj,
							struct xbpf_program *prev);
XBPF_API size_t xbpf_object__program_cnt(const struct xbpf_object *obj);
/* By function name (or, for a section without function symbols, the section name). */
XBPF_API struct xbpf_program *xbpf_object__find_program_by_name(const struct xbpf_object *obj,
								const char *name);
/* The first program of section `sec` (NULL + ENOENT when none). */
XBPF_API struct xbpf_program *xbpf_object__find_program_by_section(const struct xbpf_object *obj,
								   const char *sec);

XBPF_API const char *xbpf_program__name(const struct xbpf_program *prog);
XBPF_API const char *xbpf_program__section(const struct xbpf_program *prog);
/* Program type (enum xbpf_prog_type): from the section name unless set. */
XBPF_API enum xbpf_prog_type xbpf_program__type(const struct xbpf_program *prog);
/* Override the type before load. -EBUSY after load, -EINVAL for an unknown type. */
XBPF_API int xbpf_program__set_type(struct xbpf_program *prog, enum xbpf_prog_type type);
/* Attach target of the section name ("sys_execve" of "kprobe/sys_execve"; "" when
 * none). */
XBPF_API const char *xbpf_program__attach_target(const struct xbpf_program *prog);
/* Whether xbpf_object__load() loads this program (default true; false keeps its maps
 * but skips the program). -EBUSY after load. */
XBPF_API int xbpf_program__set_autoload(struct xbpf_program *prog, bool autoload);
XBPF_API bool xbpf_program__autoload(const struct xbpf_program *prog);
/* Instructions after relocation and subprogram linking (callees appended after the main
 * function, as libbpf does). lddw of a map: src=5 (XBPF_PSEUDO_MAP_IDX), imm = index in
 * the program's map table; of global data: src=6, imm = index, next.imm = offset; of a
 * function: src=4, imm = pc-relative offset; bpf-to-bpf calls: src=1, imm = pc-relative
 * offset. */
XBPF_API size_t xbpf_program__insn_cnt(const struct xbpf_program *prog);
XBPF_API const struct xbpf_insn *xbpf_program__insns(const struct xbpf_program *prog);
/* Instructions of the main function alone (its size in the ELF section). */
XBPF_API size_t xbpf_program__main_insn_cnt(const struct xbpf_program *prog);
/* The program's map table (what lddw imm indexes): count and the i-th map definition. */
XBPF_API unsigned xbpf_program__map_cnt(const struct xbpf_program *prog);
XBPF_API struct xbpf_object_map *xbpf_program__map(const struct xbpf_program *prog, unsigned i);
/* The loaded program (NULL before xbpf_object__load()). Owned by the object. */
XBPF_API struct xbpf_prog *xbpf_program__prog(const struct xbpf_program *prog);
XBPF_API struct xbpf_object *xbpf_program__object(const struct xbpf_program *prog);
/* The object program a loaded struct xbpf_prog came from (NULL when it was not loaded
 * from an object). */
XBPF_API struct xbpf_program *xbpf_program__from_prog(const struct xbpf_prog *prog);

/* Source position of instruction `insn_idx` of the linked program, from .BTF.ext line
 * info: the nearest record at or before the instruction in the same function. */
struct xbpf_line_info {
	const char *file;      /* source file name as compiled */
	const char *line;      /* the source line's text (BTF keeps it), "" when unknown */
	uint32_t line_num;
	uint32_t col;
	uint32_t insn_idx;     /* the instruction the record belongs to */
};
/* 0, or -ENOENT when the object has no line info for that instruction. */
XBPF_API int xbpf_program__line_info(const struct xbpf_program *prog, size_t insn_idx,
				     struct xbpf_line_info *out);
/* Name of the function (BTF func info, else ELF symbol) instruction insn_idx belongs
 * to, or NULL. */
XBPF_API const char *xbpf_program__func_name(const struct xbpf_program *prog, size_t insn_idx);

/* ---- maps --------------------------------------------------------------------------- */
XBPF_API struct xbpf_object_map *xbpf_object__next_map(const struct xbpf_object *obj,
						       struct xbpf_object_map *prev);
XBPF_API size_t xbpf_object__map_cnt(const struct xbpf_object *obj);
XBPF_API struct xbpf_object_map *xbpf_object__find_map_by_name(const struct xbpf_object *obj,
							       const char *name);

/* How a map was declared. */
enum xbpf_map_origin {
	XBPF_MAP_ORIGIN_LEGACY = 0, /* "maps" section, struct bpf_map_def */
	XBPF_MAP_ORIGIN_BTF,        /* ".maps" section, BTF-defined */
	XBPF_MAP_ORIGIN_DATA,       /* global data section (.data, .rodata*, .bss, ...) */
	XBPF_MAP_ORIGIN_KCONFIG,    /* .kconfig externs */
};

XBPF_API const char *xbpf_object_map__name(const struct xbpf_object_map *map);
XBPF_API enum xbpf_map_type xbpf_object_map__type(const struct xbpf_object_map *map);
XBPF_API uint32_t xbpf_object_map__key_size(const struct xbpf_object_map *map);
XBPF_API uint32_t xbpf_object_map__value_size(const struct xbpf_object_map *map);
XBPF_API uint32_t xbpf_object_map__max_entries(const struct xbpf_object_map *map);
XBPF_API uint32_t xbpf_object_map__flags(const struct xbpf_object_map *map);
/* Pinning as declared (0 none, 1 LIBBPF_PIN_BY_NAME / iproute2 PIN_OBJECT_NS, ...). */
XBPF_API uint32_t xbpf_object_map__pinning(const struct xbpf_object_map *map);
XBPF_API enum xbpf_map_origin xbpf_object_map__origin(const struct xbpf_object_map *map);
/* Global data: the section image (value of key 0) as in the file, and its size. */
XBPF_API const void *xbpf_object_map__initial_value(const struct xbpf_object_map *map,
						    size_t *size);
/* Map-in-map: the inner map template (NULL otherwise). */
XBPF_API struct xbpf_object_map *xbpf_object_map__inner(const struct xbpf_object_map *map);
/* The live map (NULL before load). Owned by the object: take a reference to keep it. */
XBPF_API struct xbpf_map *xbpf_object_map__map(const struct xbpf_object_map *map);

/* ---- names of types ------------------------------------------------------------------ */
/* The kernel's (bpftool's) name of a program type: "xdp", "sched_cls", "kprobe", ...;
 * NULL for an unknown value. */
XBPF_API const char *xbpf_prog_type__name(enum xbpf_prog_type type);
/* Program type and attach target a section name stands for (libbpf SEC() conventions,
 * then the legacy iproute2/Cilium/samples ones). Returns 0, or -ENOENT when the name
 * follows no known convention. */
XBPF_API int xbpf_section__prog_type(const char *sec, enum xbpf_prog_type *type);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_OBJECT_H */
