/* mapdefs.c - the map definitions of an object, in the order libbpf creates them:
 *   - legacy "maps" section: one struct bpf_map_def per symbol; the entry size is the
 *     section size divided by the number of symbols (20, 28 (samples' bpf_map_def, old
 *     iproute2), 36 (iproute2's struct bpf_elf_map) ... bytes all occur);
 *   - BTF ".maps": one variable per map, a struct whose members encode the attributes as
 *     libbpf's __uint()/__type()/__array() macros do (pointer-to-array element counts,
 *     pointer types), with map-in-map "values" (inner template, initial slots) and
 *     program arrays with initial programs;
 *   - global data sections (.data, .rodata*, .bss, custom .data.* ...): one-entry ARRAY
 *     maps whose value is the section image;
 *   - .kconfig externs: one read-only ARRAY map with the values xbpf can give.
 */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "loader.h"

int ldr_map_add(struct xbpf_object *obj, struct xbpf_object_map *m)
{
	void *p = realloc(obj->maps, (obj->map_cnt + 1) * sizeof(*obj->maps));
	if (!p) {
		ldr_map_free(m);
		return ldr_err(ENOMEM, "out of memory");
	}
	obj->maps = p;
	obj->maps[obj->map_cnt++] = m;
	return 0;
}

void ldr_map_free(struct xbpf_object_map *m)
{
	if (!m)
		return;
	if (m->map)
		xbpf_map__put(m->map);
	ldr_map_free(m->inner);
	free(m->name);
	free(m->init);
	free(m->slots);
	free(m);
}

static struct xbpf_object_map *map_new(struct xbpf_object *obj, const char *name,
				       enum xbpf_map_origin origin)
{
	struct xbpf_object_map *m = calloc(1, sizeof(*m));
	if (!m || !(m->name = strdup(name))) {
		free(m);
		ldr_err(ENOMEM, "out of memory");
		return NULL;
	}
	m->obj = obj;
	m->origin = origin;
	m->legacy_inner_idx = -1;
	return m;
}

int ldr_map_by_def(const struct xbpf_object *obj, unsigned sec, uint64_t off)
{
	for (unsigned i = 0; i < obj->map_cnt; i++)
		if (obj->maps[i]->sec == sec && obj->maps[i]->sec_off == off)
			return i;
	return -1;
}

/* ---- legacy "maps" ---------------------------------------------------------------------- */
static int cmp_sym_value(const void *a, const void *b)
{
	const struct ldr_sym *x = *(const struct ldr_sym *const *)a;
	const struct ldr_sym *y = *(const struct ldr_sym *const *)b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int legacy_map(struct xbpf_object *obj, unsigned si, const struct ldr_sym *s,
		      size_t entry)
{
	const struct ldr_sec *sec = &obj->secs[si];
	if (s->value % 4 || s->value > sec->size || sec->size - s->value < entry)
		return ldr_err(EINVAL, "map '%s': definition at %#llx past the end of '%s' (%zu "
			       "bytes)", s->name, (unsigned long long)s->value, sec->name,
			       sec->size);
	uint32_t f[16] = {0};
	memcpy(f, sec->data + s->value, entry < sizeof(f) ? entry : sizeof(f));
	struct xbpf_object_map *m = map_new(obj, s->name, XBPF_MAP_ORIGIN_LEGACY);
	if (!m)
		return -ENOMEM;
	m->type = f[0];
	m->key_size = f[1];
	m->value_size = f[2];
	m->max_entries = f[3];
	m->map_flags = f[4];
	m->sec = si;
	m->sec_off = s->value;
	bool of_maps = m->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS ||
		       m->type == XBPF_MAP_TYPE_HASH_OF_MAPS;
	if (entry >= 24 && (!of_maps || entry >= 36))
		m->legacy_id = f[5];
	if (entry >= 36) { /* iproute2 bpf_elf_map: id, pinning, inner_id, inner_idx */
		m->pinning = f[6];
		/* inner_id names the template by its `id` (inner_idx is the slot a map with
		 * that id goes into, not an index): resolved in resolve_inner_ids() */
		if (of_maps)
			m->legacy_inner_id = f[7];
	} else if (entry >= 24 && of_maps) { /* samples: inner_map_idx */
		m->legacy_inner_idx = f[5];
	}
	if (of_maps && m->value_size == 0)
		m->value_size = 4; /* samples' loader fills in the size of a map fd */
	return ldr_map_add(obj, m);
}

static int legacy_maps(struct xbpf_object *obj, unsigned si)
{
	const struct ldr_sec *sec = &obj->secs[si];
	const struct ldr_sym **syms = calloc(obj->sym_cnt + 1, sizeof(*syms));
	unsigned n = 0;
	if (!syms)
		return ldr_err(ENOMEM, "out of memory");
	for (unsigned i = 0; i < obj->sym_cnt; i++)
		if (obj->syms[i].shndx == si &&
		    obj->syms[i].type != STT_SECTION && obj->syms[i].name[0])
			syms[n++] = &obj->syms[i];
	int err = 0;
	if (n == 0) {
		err = sec->size ? ldr_err(EINVAL, "'%s' section has %zu bytes but no map "
					  "symbols", sec->name, sec->size) : 0;
		goto out;
	}
	size_t entry = sec->size / n;
	if (sec->size % n || entry < 16) {
		err = ldr_err(EINVAL, "'%s' section: %zu bytes for %u maps is not a whole "
			      "number of map definitions (>= 16 bytes each)", sec->name, sec->size, n);
		goto out;
	}
	qsort(syms, n, sizeof(*syms), cmp_sym_value);
	for (unsigned i = 0; i < n && !err; i++) {
		if (i && syms[i]->value == syms[i - 1]->value)
			err = ldr_err(EINVAL, "maps '%s' and '%s' share a definition",
				      syms[i - 1]->name, syms[i]->name);
		else
			err = legacy_map(obj, si, syms[i], entry);
	}
out:
	free(syms);
	return err;
}

/* ---- BTF ".maps" ------------------------------------------------------------------------- */
/* __uint(name, val) is `int (*name)[val]`: the element count of the pointed-to array. */
static int btf_uint(const struct btf *btf, uint32_t type, uint32_t *val)
{
	const struct btf_type_hdr *t = btf_skip_mods(btf, type, NULL);
	if (!t || btf_kind(t) != BTF_K_PTR)
		return -EINVAL;
	const struct btf_type_hdr *a = btf_skip_mods(btf, t->size_or_type, NULL);
	if (!a || btf_kind(a) != BTF_K_ARRAY)
		return -EINVAL;
	struct btf_array_rec ar;
	memcpy(&ar, btf_extra(a), sizeof(ar));
	*val = ar.nelems;
	return 0;
}

/* __type(name, T) is `T *name`: sizeof(T). */
static int btf_ptr_size(const struct btf *btf, uint32_t type, uint32_t *val)
{
	const struct btf_type_hdr *t = btf_skip_mods(btf, type, NULL);
	if (!t || btf_kind(t) != BTF_K_PTR)
		return -EINVAL;
	int64_t sz = btf_type_size(btf, t->size_or_type);
	if (sz < 0 || sz > UINT32_MAX)
		return -EINVAL;
	*val = sz;
	return 0;
}

static int btf_map_def(struct xbpf_object *obj, struct xbpf_object_map *m, uint32_t struct_id,
		       int depth);

/* "values": an array of pointers to the inner map definition (map-in-map) or to a
 * function prototype (program array). */
static int btf_values(struct xbpf_object *obj, struct xbpf_object_map *m, uint32_t type,
		      uint32_t bit_off, int depth)
{
	const struct btf *btf = obj->btf;
	const struct btf_type_hdr *a = btf_skip_mods(btf, type, NULL);
	if (!a || btf_kind(a) != BTF_K_ARRAY)
		return ldr_err(EINVAL, "map '%s': 'values' is not an array", m->name);
	struct btf_array_rec ar;
	memcpy(&ar, btf_extra(a), sizeof(ar));
	const struct btf_type_hdr *p = btf_skip_mods(btf, ar.type, NULL);
	if (!p || btf_kind(p) != BTF_K_PTR)
		return ldr_err(EINVAL, "map '%s': 'values' elements are not pointers", m->name);
	uint32_t inner_id;
	const struct btf_type_hdr *in = btf_skip_mods(btf, p->size_or_type, &inner_id);
	m->value_size = 4;
	m->sec_off_values = m->sec_off + bit_off / 8;
	m->has_values = true;
	if (in && btf_kind(in) == BTF_K_STRUCT) {
		if (depth > 0)
			return ldr_err(EINVAL, "map '%s': nested map-in-map", m->name);
		char name[256];
		snprintf(name, sizeof(name), "%s.inner", m->name);
		m->inner = map_new(obj, name, XBPF_MAP_ORIGIN_BTF);
		if (!m->inner)
			return -ENOMEM;
		m->inner->hidden = true;
		m->inner->sec = -1u;
		return btf_map_def(obj, m->inner, inner_id, depth + 1);
	}
	if (in && btf_kind(in) == BTF_K_FUNC_PROTO)
		return 0;
	return ldr_err(EINVAL, "map '%s': 'values' must point to a map definition or a "
		       "function", m->name);
}

static int btf_member(struct xbpf_object *obj, struct xbpf_object_map *m,
		      const struct btf_member_rec *mb, int depth)
{
	const struct btf *btf = obj->btf;
	const char *n = btf_str(btf, mb->name_off);
	uint32_t bit_off = mb->offset;
	static const struct { const char *name; size_t off; } uints[] = {
		{"type", offsetof(struct xbpf_object_map, type)},
		{"max_entries", offsetof(struct xbpf_object_map, max_entries)},
		{"map_flags", offsetof(struct xbpf_object_map, map_flags)},
		{"numa_node", offsetof(struct xbpf_object_map, numa_node)},
		{"key_size", offsetof(struct xbpf_object_map, key_size)},
		{"value_size", offsetof(struct xbpf_object_map, value_size)},
		{"pinning", offsetof(struct xbpf_object_map, pinning)},
	};
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
		if (!strcmp(n, uints[i].name)) {
			if (btf_uint(btf, mb->type, (uint32_t *)((char *)m + uints[i].off)))
				return ldr_err(EINVAL, "map '%s': '%s' is not __uint()", m->name, n);
			return 0;
		}
	if (!strcmp(n, "map_extra")) {
		uint32_t v;
		if (btf_uint(btf, mb->type, &v))
			return ldr_err(EINVAL, "map '%s': 'map_extra' is not __uint()", m->name);
		m->map_extra = v;
		return 0;
	}
	if (!strcmp(n, "key") || !strcmp(n, "value")) {
		uint32_t *dst = n[0] == 'k' ? &m->key_size : &m->value_size;
		if (btf_ptr_size(btf, mb->type, dst))
			return ldr_err(EINVAL, "map '%s': '%s' is not __type() of a sized type",
				       m->name, n);
		return 0;
	}
	if (!strcmp(n, "values"))
		return btf_values(obj, m, mb->type, bit_off, depth);
	return 0; /* unknown members are ignored, as older libbpf did */
}

static int btf_map_def(struct xbpf_object *obj, struct xbpf_object_map *m, uint32_t struct_id,
		       int depth)
{
	const struct btf_type_hdr *st = btf_type(obj->btf, struct_id);
	if (!st || btf_kind(st) != BTF_K_STRUCT)
		return ldr_err(EINVAL, "map '%s': definition is not a struct", m->name);
	const struct btf_member_rec *mbs = btf_extra(st);
	for (unsigned i = 0; i < btf_vlen(st); i++) {
		struct btf_member_rec mb;
		memcpy(&mb, &mbs[i], sizeof(mb));
		if (btf_kflag(st))
			mb.offset &= 0xffffff;
		int err = btf_member(obj, m, &mb, depth);
		if (err)
			return err;
	}
	return 0;
}

static int btf_maps(struct xbpf_object *obj)
{
	const struct ldr_sec *sec = &obj->secs[obj->btf_maps_sec];
	if (!obj->btf)
		return ldr_err(EINVAL, "'.maps' section needs .BTF, which the object lacks");
	uint32_t ds_id = btf_find(obj->btf, BTF_K_DATASEC, ".maps");
	const struct btf_type_hdr *ds = btf_type(obj->btf, ds_id);
	if (!ds)
		return ldr_err(EINVAL, "'.maps' section has no BTF DATASEC '.maps'");
	const struct btf_var_secinfo_rec *vs = btf_extra(ds);
	for (unsigned i = 0; i < btf_vlen(ds); i++) {
		struct btf_var_secinfo_rec v;
		memcpy(&v, &vs[i], sizeof(v));
		const struct btf_type_hdr *var = btf_type(obj->btf, v.type);
		if (!var || btf_kind(var) != BTF_K_VAR)
			return ldr_err(EINVAL, "'.maps' entry %u is not a BTF variable", i);
		const char *name = btf_str(obj->btf, var->name_off);
		/* clang may leave DATASEC offsets 0 (libbpf fixes them from the symbols) */
		for (unsigned k = 0; k < obj->sym_cnt; k++)
			if (obj->syms[k].shndx == (unsigned)obj->btf_maps_sec &&
			    obj->syms[k].type != STT_SECTION && !strcmp(obj->syms[k].name, name))
				v.offset = obj->syms[k].value;
		if ((uint64_t)v.offset + v.size > sec->size)
			return ldr_err(EINVAL, "map '%s': [%u, +%u) past the end of '.maps'", name,
				       v.offset, v.size);
		uint32_t sid;
		btf_skip_mods(obj->btf, var->size_or_type, &sid);
		struct xbpf_object_map *m = map_new(obj, name, XBPF_MAP_ORIGIN_BTF);
		if (!m)
			return -ENOMEM;
		m->sec = obj->btf_maps_sec;
		m->sec_off = v.offset;
		int err = btf_map_def(obj, m, sid, 0);
		if (err) {
			ldr_map_free(m);
			return err;
		}
		if ((err = ldr_map_add(obj, m)))
			return err;
	}
	return 0;
}

/* ---- global data ---------------------------------------------------------------------- */
static int data_maps(struct xbpf_object *obj)
{
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if (s->kind != SEC_DATA || s->size == 0)
			continue;
		if (s->size > (1u << 30))
			return ldr_err(E2BIG, "section '%s': %zu bytes of global data", s->name,
				       s->size);
		struct xbpf_object_map *m = map_new(obj, s->name, XBPF_MAP_ORIGIN_DATA);
		if (!m || !(m->init = calloc(1, s->size))) {
			ldr_map_free(m);
			return ldr_err(ENOMEM, "out of memory");
		}
		if (s->data)
			memcpy(m->init, s->data, s->size);
		m->type = XBPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = s->size;
		m->max_entries = 1;
		if (!strncmp(s->name, ".rodata", 7))
			m->map_flags = XBPF_F_RDONLY_PROG;
		m->sec = i;
		m->sec_off = 0;
		s->map_idx = obj->map_cnt;
		int err = ldr_map_add(obj, m);
		if (err)
			return err;
	}
	return 0;
}

/* ---- .kconfig ------------------------------------------------------------------------- */
static uint32_t kernel_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	if (uname(&u) || sscanf(u.release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (a << 16) | (b << 8) | (c > 255 ? 255 : c);
}

/* Value of kconfig extern `name` of `size` bytes; false when xbpf has none. */
static bool kconfig_value(const char *name, uint64_t *val)
{
	if (!strcmp(name, "LINUX_KERNEL_VERSION"))
		*val = kernel_version();
	else if (!strcmp(name, "LINUX_HAS_BPF_COOKIE") || !strcmp(name, "LINUX_HAS_SYSCALL_WRAPPER"))
		*val = 1;
	else
		return false;
	return true;
}

/* Offset of extern i in the .kconfig map: externs in declaration order, each aligned
 * to its size (1, 2, 4 or 8 bytes). -EINVAL for another size. */
static int kconfig_slot(const struct btf *btf, const struct btf_type_hdr *ds, unsigned i,
			uint32_t *size)
{
	const struct btf_var_secinfo_rec *vs = btf_extra(ds);
	uint32_t off = 0;
	for (unsigned k = 0; k <= i; k++) {
		struct btf_var_secinfo_rec v;
		memcpy(&v, &vs[k], sizeof(v));
		int64_t sz = btf_type_size(btf, v.type);
		*size = sz < 0 ? 0 : sz;
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
			return -EINVAL;
		off = (off + sz - 1) / sz * sz;
		if (k < i)
			off += sz;
	}
	return off;
}

static int kconfig_map(struct xbpf_object *obj)
{
	obj->kconfig_map = -1;
	uint32_t ds_id = obj->btf ? btf_find(obj->btf, BTF_K_DATASEC, ".kconfig") : 0;
	const struct btf_type_hdr *ds = btf_type(obj->btf, ds_id);
	if (!ds || btf_vlen(ds) == 0)
		return 0;
	struct xbpf_object_map *m = map_new(obj, ".kconfig", XBPF_MAP_ORIGIN_KCONFIG);
	if (!m)
		return -ENOMEM;
	uint32_t end = 0;
	for (unsigned i = 0; i < btf_vlen(ds); i++) {
		uint32_t size;
		int off = kconfig_slot(obj->btf, ds, i, &size);
		if (off < 0) {
			ldr_map_free(m);
			return ldr_err(EINVAL, ".kconfig extern %u: bad size %u", i, size);
		}
		end = off + size;
	}
	m->init = calloc(1, end ? end : 1);
	if (!m->init) {
		ldr_map_free(m);
		return ldr_err(ENOMEM, "out of memory");
	}
	const struct btf_var_secinfo_rec *vs = btf_extra(ds);
	for (unsigned i = 0; i < btf_vlen(ds); i++) {
		struct btf_var_secinfo_rec v;
		memcpy(&v, &vs[i], sizeof(v));
		uint64_t val = 0;
		uint32_t size;
		int off = kconfig_slot(obj->btf, ds, i, &size);
		kconfig_value(btf_name(obj->btf, v.type), &val);
		memcpy(m->init + off, &val, size);
	}
	m->type = XBPF_MAP_TYPE_ARRAY;
	m->key_size = 4;
	m->value_size = end ? end : 1;
	m->max_entries = 1;
	m->map_flags = XBPF_F_RDONLY_PROG;
	m->sec = -1u;
	obj->kconfig_map = obj->map_cnt;
	return ldr_map_add(obj, m);
}

/* Offset of .kconfig extern `name` in the kconfig map; -ENOENT when not declared there,
 * -ENOTSUP when xbpf has no value for a non-weak extern. */
int ldr_kconfig_off(const struct xbpf_object *obj, const struct ldr_sym *sym)
{
	uint32_t ds_id = obj->btf ? btf_find(obj->btf, BTF_K_DATASEC, ".kconfig") : 0;
	const struct btf_type_hdr *ds = btf_type(obj->btf, ds_id);
	if (!ds || obj->kconfig_map < 0)
		return -ENOENT;
	const struct btf_var_secinfo_rec *vs = btf_extra(ds);
	for (unsigned i = 0; i < btf_vlen(ds); i++) {
		struct btf_var_secinfo_rec v;
		memcpy(&v, &vs[i], sizeof(v));
		if (strcmp(btf_name(obj->btf, v.type), sym->name))
			continue;
		uint64_t val;
		uint32_t size;
		if (!kconfig_value(sym->name, &val) && sym->bind != STB_WEAK)
			return -ENOTSUP;
		return kconfig_slot(obj->btf, ds, i, &size);
	}
	return -ENOENT;
}

/* Sizes the kernel fixes: a perf event array's key and value are 4-byte ints (and it
 * has one slot per CPU unless max_entries says otherwise); ring buffers have none. */
static void fill_defaults(struct xbpf_object_map *m)
{
	/* __type(value, ...) of a ring buffer or perf event array only documents its
	 * records (bpf2go does that); the kernel's maps have fixed sizes */
	if (m->type == XBPF_MAP_TYPE_RINGBUF) {
		m->key_size = m->value_size = 0;
		return;
	}
	if (m->type != XBPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return;
	m->key_size = m->value_size = 4;
	if (!m->max_entries)
		m->max_entries = xbpf_num_cpus();
}

/* iproute2 map-in-map definitions: the inner map template is the legacy map whose id
 * equals the outer map's inner_id. */
static int resolve_inner_ids(struct xbpf_object *obj)
{
	for (unsigned i = 0; i < obj->map_cnt; i++) {
		struct xbpf_object_map *m = obj->maps[i];
		if (!m->legacy_inner_id)
			continue;
		for (unsigned j = 0; j < obj->map_cnt && m->legacy_inner_idx < 0; j++)
			if (j != i && obj->maps[j]->origin == XBPF_MAP_ORIGIN_LEGACY &&
			    obj->maps[j]->legacy_id == m->legacy_inner_id)
				m->legacy_inner_idx = (int)j;
		if (m->legacy_inner_idx < 0)
			return ldr_err(EINVAL, "map '%s': no map with id %u (its inner_id) for the "
				       "inner map", m->name, m->legacy_inner_id);
	}
	return 0;
}

/* Collect every map definition of the object (see the top of the file for the order). */
int ldr_collect_maps(struct xbpf_object *obj)
{
	int err = 0;
	for (unsigned i = 1; !err && i < obj->sec_cnt; i++)
		if (obj->secs[i].kind == SEC_MAPS)
			err = legacy_maps(obj, i);
	if (!err && obj->btf_maps_sec >= 0)
		err = btf_maps(obj);
	if (!err)
		err = data_maps(obj);
	if (!err)
		err = kconfig_map(obj);
	if (!err)
		err = resolve_inner_ids(obj);
	for (unsigned i = 0; !err && i < obj->map_cnt; i++) {
		struct xbpf_object_map *m = obj->maps[i];
		fill_defaults(m);
		if (m->legacy_inner_idx >= 0 && (unsigned)m->legacy_inner_idx >= obj->map_cnt)
			err = ldr_err(EINVAL, "map '%s': inner map index %d out of range", m->name,
				      m->legacy_inner_idx);
	}
	return err;
}

/* Initial slots of BTF maps with "values": relocations in .maps at the slot offsets,
 * against a map definition (map-in-map) or a program function (program array). */
int ldr_map_slots(struct xbpf_object *obj)
{
	if (obj->btf_maps_sec < 0)
		return 0;
	const struct ldr_sec *sec = &obj->secs[obj->btf_maps_sec];
	for (unsigned r = 0; r < sec->reloc_cnt; r++) {
		const struct ldr_reloc *rl = &sec->relocs[r];
		const struct ldr_sym *sym = &obj->syms[rl->sym];
		struct xbpf_object_map *m = NULL;
		for (unsigned i = 0; i < obj->map_cnt; i++) {
			struct xbpf_object_map *c = obj->maps[i];
			if (c->has_values && c->sec == (unsigned)obj->btf_maps_sec &&
			    rl->off >= c->sec_off_values && (rl->off - c->sec_off_values) % 8 == 0)
				if (!m || c->sec_off_values > m->sec_off_values)
					m = c;
		}
		if (!m)
			return ldr_err(EINVAL, "'.maps' relocation at %#llx against '%s' is not in a "
				       "'values' array", (unsigned long long)rl->off, sym->name);
		uint32_t slot = (rl->off - m->sec_off_values) / 8;
		int target = -1;
		if (m->type == XBPF_MAP_TYPE_PROG_ARRAY) {
			for (unsigned p = 0; p < obj->prog_cnt; p++) {
				const struct ldr_func *f = &obj->funcs[obj->progs[p].func];
				if (f->sec == sym->shndx && f->start * 8 == sym->value)
					target = p;
			}
		} else {
			target = ldr_map_by_def(obj, sym->shndx, sym->value);
		}
		if (target < 0)
			return ldr_err(EINVAL, "map '%s' slot %u: '%s' is not a %s of this object",
				       m->name, slot, sym->name,
				       m->type == XBPF_MAP_TYPE_PROG_ARRAY ? "program" : "map");
		if (slot >= m->max_entries)
			return ldr_err(EINVAL, "map '%s': initial slot %u past max_entries %u",
				       m->name, slot, m->max_entries);
		void *q = realloc(m->slots, (m->slot_cnt + 1) * sizeof(*m->slots));
		if (!q)
			return ldr_err(ENOMEM, "out of memory");
		m->slots = q;
		m->slots[m->slot_cnt].slot = slot;
		m->slots[m->slot_cnt++].target = target;
	}
	return 0;
}

static int add_slot(struct xbpf_object_map *m, uint32_t slot, int target)
{
	for (unsigned i = 0; i < m->slot_cnt; i++)
		if (m->slots[i].slot == slot)
			return 0; /* first one wins, as with an update that failed */
	void *q = realloc(m->slots, (m->slot_cnt + 1) * sizeof(*m->slots));
	if (!q)
		return ldr_err(ENOMEM, "out of memory");
	m->slots = q;
	m->slots[m->slot_cnt].slot = slot;
	m->slots[m->slot_cnt++].target = target;
	return 0;
}

/* "<a>/<b>" with <b> a number (decimal or 0x hex): stores a (when numeric, else -1) and b. */
static bool parse_slot_name(const char *sec, long *a, unsigned long *b)
{
	const char *slash = strchr(sec, '/');
	char *end;
	if (!slash || !slash[1] || strchr(slash + 1, '/'))
		return false;
	*b = strtoul(slash + 1, &end, 0);
	if (*end || *b > UINT32_MAX)
		return false;
	unsigned long v = strtoul(sec, &end, 0);
	*a = end == slash && slash != sec && v <= UINT32_MAX ? (long)v : -1;
	return true;
}

int ldr_legacy_slots(struct xbpf_object *obj)
{
	struct xbpf_object_map *last = NULL;
	for (unsigned i = 0; i < obj->map_cnt; i++)
		if (obj->maps[i]->origin == XBPF_MAP_ORIGIN_LEGACY &&
		    obj->maps[i]->type == XBPF_MAP_TYPE_PROG_ARRAY)
			last = obj->maps[i];
	for (unsigned p = 0; last && p < obj->prog_cnt; p++) {
		long id;
		unsigned long slot;
		if (!parse_slot_name(obj->progs[p].sec_name, &id, &slot))
			continue;
		struct xbpf_object_map *m = id < 0 ? last : NULL;
		for (unsigned i = 0; id >= 0 && i < obj->map_cnt; i++)
			if (obj->maps[i]->origin == XBPF_MAP_ORIGIN_LEGACY &&
			    obj->maps[i]->type == XBPF_MAP_TYPE_PROG_ARRAY &&
			    obj->maps[i]->legacy_id == (uint32_t)id)
				m = obj->maps[i];
		if (m && slot < m->max_entries && add_slot(m, slot, p))
			return -ENOMEM;
	}
	return 0;
}
