/* elf.c - reading an eBPF ELF object with libelf: section headers and names, the symbol
 * table, relocation tables (sorted per target section) and the functions of executable
 * sections.
 *
 * Every offset and index read from the file is checked against the file size and the
 * section/symbol counts before use; malformed input fails with a message naming the
 * section or symbol, never a crash. Section contents are taken from obj->buf directly
 * (bounds-checked), so nothing here depends on libelf's own copies.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* A NUL-terminated string at `off` of string section `s`, or NULL. */
static const char *str_at(const struct xbpf_object *obj, uint32_t s, uint64_t off)
{
	if (s >= obj->sec_cnt)
		return NULL;
	const struct ldr_sec *sec = &obj->secs[s];
	if (!sec->data || off >= sec->size)
		return NULL;
	if (!memchr(sec->data + off, 0, sec->size - off))
		return NULL;
	return (const char *)sec->data + off;
}

static int read_headers(struct xbpf_object *obj, Elf *elf, size_t *shstrndx)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return ldr_err(EINVAL, "not an ELF file: %s", elf_errmsg(-1));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return ldr_err(EINVAL, "not a 64-bit ELF object");
	if (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE) /* old LLVM wrote EM_NONE */
		return ldr_err(EINVAL, "not an eBPF object (ELF machine %u, expected %u)",
			       eh.e_machine, EM_BPF);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return ldr_err(ENOTSUP, "big-endian eBPF objects are not supported");
	if (eh.e_type != ET_REL)
		return ldr_err(EINVAL, "not a relocatable object (ELF type %u)", eh.e_type);
	size_t n;
	if (elf_getshdrnum(elf, &n) || elf_getshdrstrndx(elf, shstrndx))
		return ldr_err(EINVAL, "bad section header table: %s", elf_errmsg(-1));
	if (n == 0 || n > 65535)
		return ldr_err(EINVAL, "bad section count %zu", n);
	if (*shstrndx >= n)
		return ldr_err(EINVAL, "section name table index %zu out of range (%zu sections)",
			       *shstrndx, n);
	obj->secs = calloc(n, sizeof(*obj->secs));
	if (!obj->secs)
		return ldr_err(ENOMEM, "out of memory");
	obj->sec_cnt = n;
	return 0;
}

static int read_sections(struct xbpf_object *obj, Elf *elf)
{
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return ldr_err(EINVAL, "section %u: bad header: %s", i, elf_errmsg(-1));
		struct ldr_sec *s = &obj->secs[i];
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->map_idx = -1;
		s->name = "";
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL) {
			if (sh.sh_offset > obj->size || sh.sh_size > obj->size - sh.sh_offset)
				return ldr_err(EINVAL, "section %u: contents [%#llx, +%#llx) past the "
					       "end of the file (%zu bytes)", i,
					       (unsigned long long)sh.sh_offset,
					       (unsigned long long)sh.sh_size, obj->size);
			s->data = obj->buf + sh.sh_offset;
		}
	}
	return 0;
}

static int name_sections(struct xbpf_object *obj, Elf *elf, size_t shstrndx)
{
	if (obj->secs[shstrndx].type != SHT_STRTAB)
		return ldr_err(EINVAL, "section name table (section %zu) is not a string table",
			       shstrndx);
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		GElf_Shdr sh;
		gelf_getshdr(elf_getscn(elf, i), &sh);
		const char *name = str_at(obj, shstrndx, sh.sh_name);
		if (!name)
			return ldr_err(EINVAL, "section %u: name offset %u out of range", i,
				       sh.sh_name);
		obj->secs[i].name = name;
	}
	return 0;
}

static int read_symbols(struct xbpf_object *obj)
{
	obj->symtab = -1;
	for (unsigned i = 1; i < obj->sec_cnt; i++)
		if (obj->secs[i].type == SHT_SYMTAB) {
			if (obj->symtab >= 0)
				return ldr_err(EINVAL, "more than one symbol table");
			obj->symtab = i;
		}
	if (obj->symtab < 0)
		return ldr_err(EINVAL, "no symbol table");
	const struct ldr_sec *st = &obj->secs[obj->symtab];
	st = &obj->secs[obj->symtab];
	if (!st->data || st->size % sizeof(Elf64_Sym))
		return ldr_err(EINVAL, "symbol table size %zu is not a multiple of %zu", st->size,
			       sizeof(Elf64_Sym));
	if (st->link >= obj->sec_cnt || obj->secs[st->link].type != SHT_STRTAB)
		return ldr_err(EINVAL, "symbol table: string table index %u is invalid", st->link);
	obj->sym_cnt = st->size / sizeof(Elf64_Sym);
	obj->syms = calloc(obj->sym_cnt ? obj->sym_cnt : 1, sizeof(*obj->syms));
	if (!obj->syms)
		return ldr_err(ENOMEM, "out of memory");
	for (unsigned i = 0; i < obj->sym_cnt; i++) {
		Elf64_Sym es;
		memcpy(&es, st->data + i * sizeof(es), sizeof(es));
		struct ldr_sym *s = &obj->syms[i];
		s->name = str_at(obj, st->link, es.st_name);
		if (!s->name)
			return ldr_err(EINVAL, "symbol %u: name offset %u out of range", i, es.st_name);
		s->value = es.st_value;
		s->size = es.st_size;
		s->shndx = es.st_shndx;
		s->type = ELF64_ST_TYPE(es.st_info);
		s->bind = ELF64_ST_BIND(es.st_info);
		if (s->shndx >= obj->sec_cnt && s->shndx < SHN_LORESERVE)
			return ldr_err(EINVAL, "symbol '%s': section index %u out of range (%u "
				       "sections)", s->name, s->shndx, obj->sec_cnt);
		if (s->type == STT_SECTION && s->shndx < obj->sec_cnt && !s->name[0])
			s->name = obj->secs[s->shndx].name;
	}
	return 0;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct ldr_reloc *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int read_relocs(struct xbpf_object *obj, unsigned i)
{
	struct ldr_sec *rs = &obj->secs[i];
	if (rs->info == 0 || rs->info >= obj->sec_cnt)
		return ldr_err(EINVAL, "relocation section '%s': target section %u out of range",
			       rs->name, rs->info);
	struct ldr_sec *t = &obj->secs[rs->info];
	if (!(t->flags & SHF_EXECINSTR) && t->kind != SEC_BTF_MAPS)
		return 0; /* debug info, .BTF, data: nothing the loader applies */
	if ((int)rs->link != obj->symtab)
		return ldr_err(EINVAL, "relocation section '%s': symbol table index %u is not "
			       "the symbol table", rs->name, rs->link);
	bool rela = rs->type == SHT_RELA; /* explicit addends (some older toolchains) */
	size_t esz = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
	if (!rs->data || rs->size % esz)
		return ldr_err(EINVAL, "relocation section '%s': size %zu is not a multiple of %zu",
			       rs->name, rs->size, esz);
	if (t->relocs)
		return ldr_err(EINVAL, "section '%s' has two relocation sections", t->name);
	unsigned n = rs->size / esz;
	t->relocs = calloc(n ? n : 1, sizeof(*t->relocs));
	if (!t->relocs)
		return ldr_err(ENOMEM, "out of memory");
	for (unsigned k = 0; k < n; k++) {
		Elf64_Rela r = {0};
		memcpy(&r, rs->data + k * esz, esz);
		uint32_t sym = ELF64_R_SYM(r.r_info), type = ELF64_R_TYPE(r.r_info);
		if (sym >= obj->sym_cnt)
			return ldr_err(EINVAL, "relocation %u of '%s': symbol %u out of range (%u "
				       "symbols)", k, t->name, sym, obj->sym_cnt);
		if (r.r_offset >= t->size || t->size - r.r_offset < 8)
			return ldr_err(EINVAL, "relocation %u of '%s': offset %#llx past the "
				       "section's end (%zu bytes)", k, t->name,
				       (unsigned long long)r.r_offset, t->size);
		if (t->flags & SHF_EXECINSTR && r.r_offset % 8)
			return ldr_err(EINVAL, "relocation %u of '%s': offset %#llx is not on an "
				       "instruction boundary", k, t->name,
				       (unsigned long long)r.r_offset);
		t->relocs[t->reloc_cnt++] = (struct ldr_reloc){r.r_offset, sym, type, rela,
							       r.r_addend};
	}
	qsort(t->relocs, t->reloc_cnt, sizeof(*t->relocs), cmp_reloc);
	return 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool is_data_name(const char *n)
{
	return !strcmp(n, ".data") || !strcmp(n, ".rodata") || !strcmp(n, ".bss") ||
	       has_prefix(n, ".data.") || has_prefix(n, ".rodata.") || has_prefix(n, ".bss.");
}

static int classify(struct xbpf_object *obj)
{
	obj->btf_maps_sec = -1;
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		struct ldr_sec *s = &obj->secs[i];
		const char *n = s->name;
		if (s->type == SHT_REL || s->type == SHT_RELA)
			s->kind = SEC_RELO;
		else if (s->type == SHT_SYMTAB)
			s->kind = SEC_SYMTAB;
		else if (!strcmp(n, "license"))
			s->kind = SEC_LICENSE;
		else if (!strcmp(n, "version"))
			s->kind = SEC_VERSION;
		else if (!strcmp(n, "maps") || !strncmp(n, "maps/", 5))
			s->kind = SEC_MAPS; /* "maps/NAME": one section per map (older loaders) */
		else if (!strcmp(n, ".maps"))
			s->kind = SEC_BTF_MAPS;
		else if (!strcmp(n, ".BTF"))
			s->kind = SEC_BTF;
		else if (!strcmp(n, ".BTF.ext"))
			s->kind = SEC_BTF_EXT;
		else if (s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR))
			s->kind = !strcmp(n, ".text") ? SEC_TEXT : SEC_PROG;
		else if ((s->type == SHT_PROGBITS || s->type == SHT_NOBITS) &&
			 (s->flags & SHF_ALLOC) && is_data_name(n))
			s->kind = SEC_DATA;
		if (s->kind == SEC_BTF_MAPS) {
			if (obj->btf_maps_sec >= 0)
				return ldr_err(EINVAL, "two '%s' sections", n);
			obj->btf_maps_sec = i;
		}
		if ((s->kind == SEC_PROG || s->kind == SEC_TEXT) && s->size % 8)
			return ldr_err(EINVAL, "section '%s': size %zu is not a multiple of 8", n,
				       s->size);
		if ((s->kind == SEC_MAPS || s->kind == SEC_BTF_MAPS || s->kind == SEC_LICENSE ||
		     s->kind == SEC_VERSION) && !s->data)
			return ldr_err(EINVAL, "section '%s' has no contents", n);
	}
	return 0;
}

static void read_license(struct xbpf_object *obj)
{
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		const struct ldr_sec *s = &obj->secs[i];
		if (s->kind == SEC_LICENSE) {
			size_t n = s->size < sizeof(obj->license) - 1 ? s->size
								       : sizeof(obj->license) - 1;
			memcpy(obj->license, s->data, n);
			obj->license[n] = 0;
		} else if (s->kind == SEC_VERSION && s->size >= 4) {
			memcpy(&obj->kversion, s->data, 4);
		}
	}
}

/* Read sections, symbols and relocations of obj->buf. */
int elf_read(struct xbpf_object *obj)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)obj->buf, obj->size);
	if (!elf)
		return ldr_err(EINVAL, "cannot read ELF: %s", elf_errmsg(-1));
	size_t shstrndx;
	int err = read_headers(obj, elf, &shstrndx);
	if (!err)
		err = read_sections(obj, elf);
	if (!err)
		err = name_sections(obj, elf, shstrndx);
	elf_end(elf);
	if (!err)
		err = classify(obj);
	if (!err)
		err = read_symbols(obj);
	for (unsigned i = 1; !err && i < obj->sec_cnt; i++)
		if (obj->secs[i].kind == SEC_RELO)
			err = read_relocs(obj, i);
	if (!err)
		read_license(obj);
	return err;
}

const struct ldr_reloc *elf_reloc_at(const struct ldr_sec *sec, uint64_t off)
{
	unsigned lo = 0, hi = sec->reloc_cnt;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (sec->relocs[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sec->reloc_cnt && sec->relocs[lo].off == off ? &sec->relocs[lo] : NULL;
}

static int cmp_func(const void *a, const void *b)
{
	const struct ldr_func *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int add_func(struct xbpf_object *obj, unsigned *cap, struct ldr_func f)
{
	if (obj->func_cnt == *cap) {
		unsigned nc = *cap ? *cap * 2 : 16;
		void *p = realloc(obj->funcs, nc * sizeof(*obj->funcs));
		if (!p)
			return ldr_err(ENOMEM, "out of memory");
		obj->funcs = p;
		*cap = nc;
	}
	obj->funcs[obj->func_cnt++] = f;
	return 0;
}

/* Trim each function to end where the next one of its section starts. */
static int fix_extents(struct xbpf_object *obj)
{
	for (unsigned i = 0; i < obj->func_cnt; i++) {
		struct ldr_func *f = &obj->funcs[i];
		uint32_t sec_cnt = obj->secs[f->sec].size / 8;
		uint32_t end = sec_cnt;
		if (i + 1 < obj->func_cnt && obj->funcs[i + 1].sec == f->sec)
			end = obj->funcs[i + 1].start;
		if (i + 1 < obj->func_cnt && obj->funcs[i + 1].sec == f->sec &&
		    obj->funcs[i + 1].start == f->start)
			return ldr_err(EINVAL, "section '%s': functions '%s' and '%s' start at the "
				       "same offset", obj->secs[f->sec].name, f->name,
				       obj->funcs[i + 1].name);
		if (f->cnt == 0 || f->start + f->cnt > end)
			f->cnt = end - f->start;
	}
	return 0;
}

/* Functions: STT_FUNC symbols of executable sections; a program section without any
 * is one function named after the section. */
int elf_find_funcs(struct xbpf_object *obj)
{
	unsigned cap = 0;
	for (unsigned i = 0; i < obj->sym_cnt; i++) {
		const struct ldr_sym *s = &obj->syms[i];
		if (s->type != STT_FUNC || s->shndx == SHN_UNDEF || s->shndx >= obj->sec_cnt)
			continue;
		const struct ldr_sec *sec = &obj->secs[s->shndx];
		if (sec->kind != SEC_PROG && sec->kind != SEC_TEXT)
			continue;
		if (s->value % 8 || s->value >= sec->size || s->size % 8)
			return ldr_err(EINVAL, "function '%s': offset %#llx/size %llu invalid in "
				       "section '%s' (%zu bytes)", s->name,
				       (unsigned long long)s->value, (unsigned long long)s->size,
				       sec->name, sec->size);
		struct ldr_func f = {s->name, s->shndx, s->value / 8, s->size / 8,
				     s->bind != STB_LOCAL};
		if (add_func(obj, &cap, f))
			return -ENOMEM;
	}
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		const struct ldr_sec *sec = &obj->secs[i];
		if ((sec->kind != SEC_PROG && sec->kind != SEC_TEXT) || sec->size == 0)
			continue;
		bool any = false;
		for (unsigned k = 0; k < obj->func_cnt; k++)
			any |= obj->funcs[k].sec == i;
		if (!any && add_func(obj, &cap, (struct ldr_func){sec->name, i, 0,
								   sec->size / 8, true, true}))
			return -ENOMEM;
	}
	if (obj->func_cnt)
		qsort(obj->funcs, obj->func_cnt, sizeof(*obj->funcs), cmp_func);
	return fix_extents(obj);
}

int elf_func_at(const struct xbpf_object *obj, unsigned sec, uint32_t idx)
{
	int best = -1;
	for (unsigned i = 0; i < obj->func_cnt; i++) {
		const struct ldr_func *f = &obj->funcs[i];
		if (f->sec == sec && f->start <= idx && idx < f->start + f->cnt)
			best = i;
	}
	return best;
}
