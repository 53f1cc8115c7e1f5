/* loader.h - private structures of the object loader (src/loader/), shared by its files:
 *   elf.c      ELF sections, symbols, relocation tables, function discovery (libelf)
 *   sections.c SEC() name -> program type (libbpf and legacy conventions)
 *   btf.c      .BTF and .BTF.ext parsing (own parser), type queries
 *   mapdefs.c  map definitions: legacy "maps", BTF ".maps", global data, .kconfig
 *   reloc.c    relocations and subprogram linking into each program
 *   core.c     CO-RE relocations against a target BTF
 *   object.c   the public API (open, load, accessors)
 *
 * Invariants: everything an object points into (section data, names) lives in obj->buf,
 * the object's private copy of the file, or in memory the object owns. All offsets read
 * from the file are bounds-checked before use; a failure calls ldr_err() (message in the
 * thread's error buffer) and returns -errno up to the public API.
 *
 * Module prefixes: elf_, btf_, ldr_ (all hidden).
 */
#ifndef XBPF_LOADER_H
#define XBPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/object.h"
#include "xbpf/map.h"

#define LDR_HIDDEN __attribute__((visibility("hidden")))

/* ---- errors ----------------------------------------------------------------------- */
/* Format the thread's error message and return -err. */
LDR_HIDDEN int ldr_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
LDR_HIDDEN const char *ldr_errmsg(void);
LDR_HIDDEN void ldr_errclear(void);

/* ---- BTF ---------------------------------------------------------------------------- */
struct btf_type_hdr {          /* struct btf_type of the uapi */
	uint32_t name_off;
	uint32_t info;             /* vlen: bits 0-15, kind: bits 24-28, kind_flag: bit 31 */
	uint32_t size_or_type;
};

struct btf {
	uint8_t *data;             /* owned copy of the raw BTF */
	size_t size;
	const char *strs;
	uint32_t str_len;
	const struct btf_type_hdr **types; /* types[id], id 1..nr_types; types[0] = void */
	uint32_t nr_types;         /* highest id */
};

#define BTF_K_INT 1
#define BTF_K_PTR 2
#define BTF_K_ARRAY 3
#define BTF_K_STRUCT 4
#define BTF_K_UNION 5
#define BTF_K_ENUM 6
#define BTF_K_FWD 7
#define BTF_K_TYPEDEF 8
#define BTF_K_VOLATILE 9
#define BTF_K_CONST 10
#define BTF_K_RESTRICT 11
#define BTF_K_FUNC 12
#define BTF_K_FUNC_PROTO 13
#define BTF_K_VAR 14
#define BTF_K_DATASEC 15
#define BTF_K_FLOAT 16
#define BTF_K_DECL_TAG 17
#define BTF_K_TYPE_TAG 18
#define BTF_K_ENUM64 19

struct btf_member_rec { uint32_t name_off, type, offset; };
struct btf_array_rec { uint32_t type, index_type, nelems; };
struct btf_param_rec { uint32_t name_off, type; };
struct btf_enum_rec { uint32_t name_off; int32_t val; };
struct btf_enum64_rec { uint32_t name_off, val_lo32, val_hi32; };
struct btf_var_secinfo_rec { uint32_t type, offset, size; };

/* Parse raw BTF (copied). Returns NULL + errno, with ldr_err() set. */
LDR_HIDDEN struct btf *btf_parse(const void *data, size_t size);
LDR_HIDDEN void btf_free(struct btf *btf);
/* Load a target BTF: raw BTF or an ELF with .BTF. NULL + errno. */
LDR_HIDDEN struct btf *btf_load_file(const char *path);
static inline unsigned btf_kind(const struct btf_type_hdr *t) { return (t->info >> 24) & 0x1f; }
static inline unsigned btf_vlen(const struct btf_type_hdr *t) { return t->info & 0xffff; }
static inline bool btf_kflag(const struct btf_type_hdr *t) { return t->info >> 31; }
/* Type `id` (NULL for 0 = void or out of range). */
LDR_HIDDEN const struct btf_type_hdr *btf_type(const struct btf *btf, uint32_t id);
/* String at `off` ("" when out of range). */
LDR_HIDDEN const char *btf_str(const struct btf *btf, uint32_t off);
LDR_HIDDEN const char *btf_name(const struct btf *btf, uint32_t id);
/* Skip typedef/const/volatile/restrict/type_tag; stores the final id in *out_id. */
LDR_HIDDEN const struct btf_type_hdr *btf_skip_mods(const struct btf *btf, uint32_t id,
						    uint32_t *out_id);
/* Size in bytes of type `id`, or -EINVAL. */
LDR_HIDDEN int64_t btf_type_size(const struct btf *btf, uint32_t id);
/* Records following the type header (members, params, enums, array, secinfo). */
static inline const void *btf_extra(const struct btf_type_hdr *t) { return t + 1; }
/* First type with this kind and name, or 0. */
LDR_HIDDEN uint32_t btf_find(const struct btf *btf, unsigned kind, const char *name);

/* .BTF.ext: per section, func info, line info and CO-RE records (insn_off in bytes). */
struct btf_func_rec { uint32_t insn_off, type_id; };
struct btf_line_rec { uint32_t insn_off, file_off, line_off, line_col; };
struct btf_core_rec { uint32_t insn_off, type_id, access_off, kind; };
struct btf_ext_sec {
	const char *name;
	const uint8_t *recs;       /* num records of rec_size bytes */
	uint32_t num, rec_size;
};
struct btf_ext {
	struct btf_ext_sec *func, *line, *core;
	unsigned func_cnt, line_cnt, core_cnt;
};
/* Parse .BTF.ext against `btf` (names). Returns 0 or -errno with ldr_err(). */
LDR_HIDDEN int btf_ext_parse(struct btf_ext *ext, const struct btf *btf, const void *data,
			     size_t size);
LDR_HIDDEN void btf_ext_free(struct btf_ext *ext);
LDR_HIDDEN const struct btf_ext_sec *btf_ext_find(const struct btf_ext_sec *secs, unsigned cnt,
						  const char *name);

/* xbpf's own BTF of its context types (CO-RE target without a kernel BTF). */
LDR_HIDDEN struct btf *btf_builtin(void);

/* ---- ELF ------------------------------------------------------------------------------ */
enum ldr_sec_kind {
	SEC_OTHER = 0,
	SEC_PROG,      /* executable section with programs */
	SEC_TEXT,      /* .text: subprograms only */
	SEC_MAPS,      /* legacy "maps" */
	SEC_BTF_MAPS,  /* ".maps" */
	SEC_DATA,      /* global data: .data*, .rodata*, .bss* */
	SEC_LICENSE,
	SEC_VERSION,
	SEC_RELO,      /* SHT_REL or SHT_RELA */
	SEC_SYMTAB,
	SEC_BTF,
	SEC_BTF_EXT,
};

struct ldr_reloc {
	uint64_t off;              /* byte offset in the target section */
	uint32_t sym;              /* symbol index */
	uint32_t type;             /* R_BPF_* */
	bool rela;                 /* from SHT_RELA: the addend is `addend`, not the insn's imm */
	int64_t addend;
};

struct ldr_sec {
	const char *name;
	uint32_t type;             /* SHT_* */
	uint64_t flags;
	const uint8_t *data;       /* NULL for NOBITS */
	size_t size;
	uint32_t link, info;
	enum ldr_sec_kind kind;
	int map_idx;               /* SEC_DATA: the object map of the section, else -1 */
	struct ldr_reloc *relocs;  /* relocations that apply to this section, sorted by off */
	unsigned reloc_cnt;
};

struct ldr_sym {
	const char *name;
	uint64_t value, size;
	uint32_t shndx;
	uint8_t type, bind;
};

/* A function: a span of instructions of an executable section. */
struct ldr_func {
	const char *name;
	unsigned sec;
	uint32_t start, cnt;       /* in instructions */
	bool global;
	bool whole;                /* a section without function symbols (old compilers) */
};

/* ---- the object ---------------------------------------------------------------------- */
struct xbpf_object_map {
	struct xbpf_object *obj;
	char *name;
	enum xbpf_map_origin origin;
	uint32_t type, key_size, value_size, max_entries, map_flags, numa_node, pinning;
	uint64_t map_extra;
	unsigned sec;              /* defining section */
	uint64_t sec_off;          /* offset of the definition in it */
	uint8_t *init;             /* DATA/KCONFIG: initial value (value_size bytes) */
	struct xbpf_object_map *inner; /* map-in-map template (owned), or NULL */
	int legacy_inner_idx;      /* legacy map-in-map: index of the inner map def, or -1 */
	uint32_t legacy_id;        /* iproute2 bpf_elf_map id (sections "<id>/<slot>") */
	uint32_t legacy_inner_id;  /* iproute2 map-in-map: id of the inner map def, or 0 */
	bool has_values;           /* BTF "values" member: initial slots at sec_off_values */
	uint64_t sec_off_values;
	/* initial slots (PROG_ARRAY: program index; *_OF_MAPS: map index) */
	struct { uint32_t slot; int target; } *slots;
	unsigned slot_cnt;
	struct xbpf_map *map;      /* live map after load */
	bool hidden;               /* an inner template, not in the object's list */
};

struct xbpf_program {
	struct xbpf_object *obj;
	char *name;
	char *sec_name;
	unsigned sec;
	unsigned func;             /* index in obj->funcs of the main function */
	enum xbpf_prog_type type;
	const char *attach;        /* points into sec_name */
	struct xbpf_insn *insns;   /* linked and relocated */
	size_t insn_cnt;
	size_t main_cnt;
	unsigned *maps;            /* program map table: object map indices */
	unsigned map_cnt;
	/* where each linked instruction came from: function index per instruction block */
	struct { uint32_t at, func; } *blocks; /* block i covers [at, next at) */
	unsigned block_cnt;
	struct btf_core_todo *core; /* CO-RE records to apply at load (insn index in insns) */
	unsigned core_cnt;
	struct xbpf_prog *prog;
	bool no_autoload;          /* skipped by xbpf_object__load() */
	char *link_err;            /* why the program cannot be loaded (relocations), or NULL */
};

struct btf_core_todo { uint32_t insn; uint32_t type_id; uint32_t access_off; uint32_t kind; };

struct xbpf_object {
	char *name;
	uint8_t *buf;              /* private copy of the file */
	size_t size;
	struct ldr_sec *secs;
	unsigned sec_cnt;
	struct ldr_sym *syms;
	unsigned sym_cnt;
	int symtab;                /* section index of .symtab, -1 */
	struct ldr_func *funcs;
	unsigned func_cnt;
	struct xbpf_program *progs;
	unsigned prog_cnt;
	struct xbpf_object_map **maps;
	unsigned map_cnt;
	int btf_maps_sec, kconfig_map;
	char license[128];
	uint32_t kversion;
	struct btf *btf;           /* .BTF, or NULL */
	struct btf *target_btf;    /* CO-RE target, loaded on first use */
	struct btf_ext ext;        /* .BTF.ext (empty when absent) */
	/* open options kept for load */
	char *btf_custom_path;
	bool no_kernel_btf;
	struct xbpf_vm *vm;
	bool own_vm;
	bool loaded;
};

/* elf.c */
LDR_HIDDEN int elf_read(struct xbpf_object *obj);
LDR_HIDDEN int elf_find_funcs(struct xbpf_object *obj);
LDR_HIDDEN const struct ldr_reloc *elf_reloc_at(const struct ldr_sec *sec, uint64_t off);
/* Function of section `sec` containing instruction `idx`, or -1. */
LDR_HIDDEN int elf_func_at(const struct xbpf_object *obj, unsigned sec, uint32_t idx);

/* sections.c */
LDR_HIDDEN int ldr_sec_type(const char *name, enum xbpf_prog_type *type, const char **attach);
LDR_HIDDEN const char *ldr_map_type_name(uint32_t type);
/* Legacy tc-named programs (numbered, from-*, to-*, tail-*) of an object that is really
 * XDP (xdp helpers, xdp_md accesses) become XDP programs. */
LDR_HIDDEN void ldr_guess_types(struct xbpf_object *obj);

/* mapdefs.c */
LDR_HIDDEN int ldr_collect_maps(struct xbpf_object *obj);
LDR_HIDDEN int ldr_map_add(struct xbpf_object *obj, struct xbpf_object_map *m);
LDR_HIDDEN void ldr_map_free(struct xbpf_object_map *m);
/* Map whose definition starts at `off` of section `sec`, or -1. */
LDR_HIDDEN int ldr_map_by_def(const struct xbpf_object *obj, unsigned sec, uint64_t off);
LDR_HIDDEN int ldr_map_slots(struct xbpf_object *obj);
/* Legacy tail-call tables: programs of sections "<id>/<slot>" (iproute2: the PROG_ARRAY
 * whose bpf_elf_map id is <id>) and "<type>/<number>" (samples/bpf: the last PROG_ARRAY)
 * become initial slots. */
LDR_HIDDEN int ldr_legacy_slots(struct xbpf_object *obj);
/* Offset of a .kconfig extern in the kconfig map, -ENOENT, or -ENOTSUP (no value). */
LDR_HIDDEN int ldr_kconfig_off(const struct xbpf_object *obj, const struct ldr_sym *sym);

/* reloc.c */
LDR_HIDDEN int ldr_link_programs(struct xbpf_object *obj);

/* core.c */
/* Apply prog's CO-RE records to `insns` (a copy of prog->insns). 0 or -errno. */
LDR_HIDDEN int ldr_core_apply(struct xbpf_object *obj, struct xbpf_program *prog,
			      struct xbpf_insn *insns);

/* load.c */
LDR_HIDDEN void ldr_unload(struct xbpf_object *obj);

#endif /* XBPF_LOADER_H */
