/* btf.c - a BTF parser of our own: the .BTF type and string sections (types indexed by
 * id, with the queries the loader needs: skip modifiers, sizes, lookup by name) and
 * .BTF.ext (per-section func info, line info and CO-RE relocation records).
 *
 * Input is untrusted: the header, every type record's length and every string offset
 * are checked; type references are checked when followed (btf_type() returns NULL for a
 * bad id) and chains of modifiers are bounded, so cyclic or dangling types give errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "loader.h"

#define BTF_MAGIC_LE 0xeB9F
#define BTF_MAX_CHAIN 64

struct btf_hdr_raw {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

/* Bytes of the records following a type header of this kind, or -1 for a bad kind. */
static long extra_size(const struct btf_type_hdr *t)
{
	unsigned v = btf_vlen(t);
	switch (btf_kind(t)) {
	case BTF_K_INT: case BTF_K_VAR: case BTF_K_DECL_TAG:
		return 4;
	case BTF_K_PTR: case BTF_K_FWD: case BTF_K_TYPEDEF: case BTF_K_VOLATILE:
	case BTF_K_CONST: case BTF_K_RESTRICT: case BTF_K_FUNC: case BTF_K_FLOAT:
	case BTF_K_TYPE_TAG:
		return 0;
	case BTF_K_ARRAY:
		return sizeof(struct btf_array_rec);
	case BTF_K_STRUCT: case BTF_K_UNION:
		return (long)v * sizeof(struct btf_member_rec);
	case BTF_K_ENUM:
		return (long)v * sizeof(struct btf_enum_rec);
	case BTF_K_FUNC_PROTO:
		return (long)v * sizeof(struct btf_param_rec);
	case BTF_K_DATASEC:
		return (long)v * sizeof(struct btf_var_secinfo_rec);
	case BTF_K_ENUM64:
		return (long)v * sizeof(struct btf_enum64_rec);
	default:
		return -1;
	}
}

static int index_types(struct btf *btf, const uint8_t *p, size_t len)
{
	size_t cap = 256, off = 0;
	btf->types = calloc(cap, sizeof(*btf->types));
	if (!btf->types)
		return ldr_err(ENOMEM, "out of memory");
	while (off < len) {
		if (len - off < sizeof(struct btf_type_hdr))
			return ldr_err(EINVAL, "BTF: type %u truncated", btf->nr_types + 1);
		const struct btf_type_hdr *t = (const void *)(p + off);
		long extra = extra_size(t);
		if (extra < 0)
			return ldr_err(EINVAL, "BTF: type %u has unknown kind %u", btf->nr_types + 1,
				       btf_kind(t));
		if ((size_t)extra > len - off - sizeof(*t))
			return ldr_err(EINVAL, "BTF: type %u truncated", btf->nr_types + 1);
		if (t->name_off >= btf->str_len)
			return ldr_err(EINVAL, "BTF: type %u: name offset %u out of range",
				       btf->nr_types + 1, t->name_off);
		if (btf->nr_types + 1 >= cap) {
			cap *= 2;
			void *q = realloc(btf->types, cap * sizeof(*btf->types));
			if (!q)
				return ldr_err(ENOMEM, "out of memory");
			btf->types = q;
		}
		btf->types[++btf->nr_types] = t;
		off += sizeof(*t) + extra;
	}
	return 0;
}

struct btf *btf_parse(const void *data, size_t size)
{
	struct btf_hdr_raw h;
	if (size < sizeof(h)) {
		errno = -ldr_err(EINVAL, "BTF: %zu bytes, too short for a header", size);
		return NULL;
	}
	memcpy(&h, data, sizeof(h));
	int err = 0;
	if (h.magic != BTF_MAGIC_LE)
		err = ldr_err(EINVAL, "BTF: bad magic %#x", h.magic);
	else if (h.hdr_len < sizeof(h) || h.hdr_len > size)
		err = ldr_err(EINVAL, "BTF: header length %u invalid", h.hdr_len);
	else if ((uint64_t)h.type_off + h.type_len > size - h.hdr_len ||
		 (uint64_t)h.str_off + h.str_len > size - h.hdr_len)
		err = ldr_err(EINVAL, "BTF: type or string section past the end (%zu bytes)", size);
	else if ((h.hdr_len + h.type_off) % 4)
		err = ldr_err(EINVAL, "BTF: type section misaligned");
	else if (h.str_len == 0 || ((const uint8_t *)data)[h.hdr_len + h.str_off + h.str_len - 1])
		err = ldr_err(EINVAL, "BTF: string section empty or not NUL-terminated");
	if (err) {
		errno = -err;
		return NULL;
	}
	struct btf *btf = calloc(1, sizeof(*btf));
	if (!btf || !(btf->data = malloc(size))) {
		free(btf);
		errno = -ldr_err(ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(btf->data, data, size);
	btf->size = size;
	btf->strs = (const char *)btf->data + h.hdr_len + h.str_off;
	btf->str_len = h.str_len;
	err = index_types(btf, btf->data + h.hdr_len + h.type_off, h.type_len);
	if (err) {
		btf_free(btf);
		errno = -err;
		return NULL;
	}
	return btf;
}

void btf_free(struct btf *btf)
{
	if (!btf)
		return;
	free(btf->types);
	free(btf->data);
	free(btf);
}

const struct btf_type_hdr *btf_type(const struct btf *btf, uint32_t id)
{
	return btf && id && id <= btf->nr_types ? btf->types[id] : NULL;
}

const char *btf_str(const struct btf *btf, uint32_t off)
{
	return btf && off < btf->str_len ? btf->strs + off : "";
}

const char *btf_name(const struct btf *btf, uint32_t id)
{
	const struct btf_type_hdr *t = btf_type(btf, id);
	return t ? btf_str(btf, t->name_off) : "";
}

const struct btf_type_hdr *btf_skip_mods(const struct btf *btf, uint32_t id, uint32_t *out_id)
{
	for (int n = 0; n < BTF_MAX_CHAIN; n++) {
		const struct btf_type_hdr *t = btf_type(btf, id);
		if (!t)
			break;
		unsigned k = btf_kind(t);
		if (k != BTF_K_TYPEDEF && k != BTF_K_CONST && k != BTF_K_VOLATILE &&
		    k != BTF_K_RESTRICT && k != BTF_K_TYPE_TAG) {
			if (out_id)
				*out_id = id;
			return t;
		}
		id = t->size_or_type;
	}
	if (out_id)
		*out_id = 0;
	return NULL;
}

int64_t btf_type_size(const struct btf *btf, uint32_t id)
{
	int64_t mult = 1;
	for (int n = 0; n < BTF_MAX_CHAIN; n++) {
		const struct btf_type_hdr *t = btf_skip_mods(btf, id, &id);
		if (!t)
			return -EINVAL;
		switch (btf_kind(t)) {
		case BTF_K_INT: case BTF_K_STRUCT: case BTF_K_UNION: case BTF_K_ENUM:
		case BTF_K_ENUM64: case BTF_K_FLOAT: case BTF_K_DATASEC:
			return mult * t->size_or_type;
		case BTF_K_PTR:
			return mult * 8;
		case BTF_K_ARRAY: {
			struct btf_array_rec a;
			memcpy(&a, btf_extra(t), sizeof(a));
			mult *= a.nelems;
			if (mult > (1ll << 32))
				return -EINVAL;
			id = a.type;
			break;
		}
		case BTF_K_VAR:
			id = t->size_or_type;
			break;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}

uint32_t btf_find(const struct btf *btf, unsigned kind, const char *name)
{
	for (uint32_t id = 1; btf && id <= btf->nr_types; id++)
		if (btf_kind(btf->types[id]) == kind && !strcmp(btf_name(btf, id), name))
			return id;
	return 0;
}

/* ---- .BTF.ext --------------------------------------------------------------------------- */
static int ext_info(struct btf_ext_sec **out, unsigned *cnt, const struct btf *btf,
		    const uint8_t *p, uint32_t len, uint32_t min_rec, const char *what)
{
	if (len == 0)
		return 0;
	uint32_t rec_size;
	if (len < 4)
		return ldr_err(EINVAL, "BTF.ext %s: truncated", what);
	memcpy(&rec_size, p, 4);
	if (rec_size < min_rec || rec_size % 4 || rec_size > 1024)
		return ldr_err(EINVAL, "BTF.ext %s: bad record size %u", what, rec_size);
	uint32_t off = 4;
	unsigned cap = 0;
	while (off < len) {
		uint32_t hdr[2];
		if (len - off < 8)
			return ldr_err(EINVAL, "BTF.ext %s: section header truncated", what);
		memcpy(hdr, p + off, 8);
		off += 8;
		if ((uint64_t)hdr[1] * rec_size > len - off)
			return ldr_err(EINVAL, "BTF.ext %s: %u records of %u bytes past the end", what,
				       hdr[1], rec_size);
		if (hdr[0] >= btf->str_len)
			return ldr_err(EINVAL, "BTF.ext %s: section name offset %u out of range", what,
				       hdr[0]);
		if (*cnt == cap) {
			cap = cap ? cap * 2 : 8;
			void *q = realloc(*out, cap * sizeof(**out));
			if (!q)
				return ldr_err(ENOMEM, "out of memory");
			*out = q;
		}
		(*out)[(*cnt)++] = (struct btf_ext_sec){btf_str(btf, hdr[0]), p + off, hdr[1],
							rec_size};
		off += hdr[1] * rec_size;
	}
	return 0;
}

int btf_ext_parse(struct btf_ext *ext, const struct btf *btf, const void *data, size_t size)
{
	uint32_t h[8] = {0}; /* magic/version/flags, hdr_len, func off/len, line off/len, core */
	if (size < 24)
		return ldr_err(EINVAL, "BTF.ext: %zu bytes, too short for a header", size);
	memcpy(h, data, size < sizeof(h) ? size : sizeof(h));
	if ((h[0] & 0xffff) != BTF_MAGIC_LE)
		return ldr_err(EINVAL, "BTF.ext: bad magic %#x", h[0] & 0xffff);
	uint32_t hdr_len = h[1];
	if (hdr_len < 24 || hdr_len > size)
		return ldr_err(EINVAL, "BTF.ext: header length %u invalid", hdr_len);
	if (hdr_len < 32)
		h[6] = h[7] = 0;
	const uint8_t *base = (const uint8_t *)data + hdr_len;
	size_t rest = size - hdr_len;
	static const char *const what[3] = {"func info", "line info", "CO-RE relocations"};
	static const uint32_t min_rec[3] = {8, 16, 16};
	struct btf_ext_sec **outs[3] = {&ext->func, &ext->line, &ext->core};
	unsigned *cnts[3] = {&ext->func_cnt, &ext->line_cnt, &ext->core_cnt};
	for (int i = 0; i < 3; i++) {
		uint32_t off = h[2 + 2 * i], len = h[3 + 2 * i];
		if ((uint64_t)off + len > rest)
			return ldr_err(EINVAL, "BTF.ext %s: [%u, +%u) past the end", what[i], off, len);
		int err = ext_info(outs[i], cnts[i], btf, base + off, len, min_rec[i], what[i]);
		if (err)
			return err;
	}
	return 0;
}

void btf_ext_free(struct btf_ext *ext)
{
	free(ext->func);
	free(ext->line);
	free(ext->core);
	memset(ext, 0, sizeof(*ext));
}

const struct btf_ext_sec *btf_ext_find(const struct btf_ext_sec *secs, unsigned cnt,
				       const char *name)
{
	for (unsigned i = 0; i < cnt; i++)
		if (!strcmp(secs[i].name, name))
			return &secs[i];
	return NULL;
}

/* ---- target BTF files ----------------------------------------------------------------- */
static struct btf *btf_from_elf(void *buf, size_t size, const char *path)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory(buf, size);
	size_t shstrndx;
	struct btf *btf = NULL;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		errno = -ldr_err(EINVAL, "%s: not raw BTF nor a readable ELF file", path);
		goto out;
	}
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".BTF") || sh.sh_type == SHT_NOBITS || sh.sh_offset > size ||
		    sh.sh_size > size - sh.sh_offset)
			continue;
		btf = btf_parse((uint8_t *)buf + sh.sh_offset, sh.sh_size);
		goto out;
	}
	errno = -ldr_err(ENOENT, "%s: no .BTF section", path);
out:
	if (elf)
		elf_end(elf);
	return btf;
}

struct btf *btf_load_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = -ldr_err(errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* sysfs files report size 0: read until EOF */
	size_t cap = 1 << 20, len = 0;
	uint8_t *buf = malloc(cap);
	ssize_t n = 0;
	while (buf && (n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			void *q = cap < (1u << 30) ? realloc(buf, cap * 2) : NULL;
			if (!q) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = q;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf || n < 0) {
		free(buf);
		errno = -ldr_err(n < 0 ? EIO : ENOMEM, "%s: cannot read", path);
		return NULL;
	}
	struct btf *btf;
	if (len >= 4 && !memcmp(buf, "\177ELF", 4))
		btf = btf_from_elf(buf, len, path);
	else
		btf = btf_parse(buf, len);
	int e = errno;
	free(buf);
	errno = e;
	return btf;
}
