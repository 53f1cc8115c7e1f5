/* map_array.c - array-backed maps: ARRAY, PERCPU_ARRAY (and the kernel-only array types
 * created as plain arrays: DEVMAP, CPUMAP, XSKMAP, SOCKMAP, CGROUP_ARRAY,
 * REUSEPORT_SOCKARRAY), PROG_ARRAY and ARRAY_OF_MAPS.
 *
 * Layout: max_entries elements of `stride` bytes at data_off; an element is
 * round_up(value_size, 8) bytes, times ncpus for per-CPU arrays (CPU c's slot at c *
 * round_up(value_size, 8)), or one 8-byte pointer slot for PROG_ARRAY / ARRAY_OF_MAPS.
 * Elements always exist: delete is -EINVAL, NOEXIST is -EEXIST, as in the kernel.
 */
#include <stdlib.h>
#include <string.h>
#include "map_internal.h"
#include "../vm/vm_internal.h"

static bool fd_array(uint32_t t)
{
	return t == XBPF_MAP_TYPE_PROG_ARRAY || t == XBPF_MAP_TYPE_ARRAY_OF_MAPS;
}

static uint64_t elem_stride(const struct map_arena *p)
{
	if (fd_array(p->type))
		return 8;
	return (uint64_t)map_round8(p->value_size) * p->ncpus;
}

static int array_check(struct map_arena *p)
{
	uint32_t ok = XBPF_F_NUMA_NODE | XBPF_F_MMAPABLE | MAP_F_ACCESS_MASK |
		      XBPF_F_INNER_MAP | MAP_F_PRESERVE_ELEMS;
	bool percpu = map_is_percpu(p->type);
	if (p->key_size != 4 || p->value_size == 0 || p->max_entries == 0 ||
	    (p->map_flags & ~ok))
		return -EINVAL;
	if ((p->map_flags & MAP_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (percpu && (p->map_flags & XBPF_F_MMAPABLE))
		return -EINVAL;
	if (fd_array(p->type) && (p->value_size != 4 || (p->map_flags & XBPF_F_MMAPABLE)))
		return -EINVAL;
	if (percpu && p->value_size > MAP_PCPU_VALUE_MAX)
		return -E2BIG;
	if (p->value_size >= (1u << 31))
		return -E2BIG;
	return 0;
}

static int array_layout(struct map_arena *p)
{
	uint64_t bytes = elem_stride(p) * p->max_entries;
	if (bytes > (1ull << 36))
		return -E2BIG;
	p->file_size = p->data_off + map_round_up(bytes, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

/* cache the element array and stride in the handle (h_elems, h_esize) */
static void array_attach(struct xbpf_map *m)
{
	m->h_elems = m->base + m->a->data_off;
	m->h_esize = fd_array(m->type) ? 8 : map_round8(m->value_size) * m->ncpus;
	m->h_koff = map_round8(m->value_size);
}

static inline uint8_t *elem(struct xbpf_map *m, uint32_t idx)
{
	return m->h_elems + (uint64_t)idx * m->h_esize;
}

static void *array_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return NULL;
	uint8_t *e = elem(m, idx);
	if (m->ncpus > 1)
		e += (cpu % m->ncpus) * (uint64_t)m->h_koff;
	return e;
}

static long array_update(struct xbpf_map *m, const void *key, const void *value,
			 uint64_t flags, int cpu)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return -E2BIG;
	if ((flags & 3) == XBPF_NOEXIST)
		return -EEXIST;
	map_write_value(m, elem(m, idx), value, flags, cpu, false);
	return 0;
}

static int array_get_next_key(struct xbpf_map *m, const void *key, void *next)
{
	uint32_t idx = 0, n = 0;
	if (key)
		memcpy(&idx, key, 4);
	if (key && idx < m->max_entries) {
		if (idx == m->max_entries - 1)
			return -ENOENT;
		n = idx + 1;
	}
	memcpy(next, &n, 4);
	return 0;
}

static int array_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return -ENOENT;
	map_read_value(m, value, elem(m, idx), flags);
	return 0;
}

static long array_delete(struct xbpf_map *m, const void *key)
{
	return -EINVAL;
}

static long array_for_each(struct xbpf_map *m, unsigned cpu,
			   long (*cb)(void *key, void *value, void *ctx), void *ctx)
{
	long n = 0;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		uint32_t key = i;
		n++;
		if (cb(&key, array_lookup(m, &key, cpu), ctx))
			break;
	}
	return n;
}

const struct map_ops map_array_ops = {
	.check = array_check,
	.layout = array_layout,
	.attach = array_attach,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = array_get_next_key,
	.lookup_user = array_lookup_user,
	.for_each = array_for_each,
};

/* ---- PROG_ARRAY ------------------------------------------------------------------------ */
typedef _Atomic(void *) slot_t;

static slot_t *slot_at(struct xbpf_map *m, const void *key)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	return idx < m->max_entries ? (slot_t *)elem(m, idx) : NULL;
}

static void prog_array_init(struct xbpf_map *m)
{
	m->prog_ids = calloc(m->max_entries, sizeof *m->prog_ids);
}

static long prog_array_delete(struct xbpf_map *m, const void *key)
{
	uint32_t idx;
	memcpy(&idx, key, 4);
	if (idx >= m->max_entries)
		return -E2BIG;
	return xbpf_map__set_prog(m, idx, NULL);
}

static int prog_array_lookup_user(struct xbpf_map *m, const void *key, void *value,
				  uint64_t flags)
{
	slot_t *s = slot_at(m, key);
	if (!s || !atomic_load(s) || !m->prog_ids)
		return -ENOENT;
	uint32_t idx;
	memcpy(&idx, key, 4);
	memcpy(value, &m->prog_ids[idx], 4);
	return 0;
}

static void prog_array_release(struct xbpf_map *m)
{
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct xbpf_prog *p = atomic_exchange((slot_t *)elem(m, i), NULL);
		if (p)
			vm_prog_put(p);
	}
}

const struct map_ops map_prog_array_ops = {
	.check = array_check,
	.layout = array_layout,
	.attach = array_attach,
	.init = prog_array_init,
	.delete = prog_array_delete,
	.get_next_key = array_get_next_key,
	.lookup_user = prog_array_lookup_user,
	.release = prog_array_release,
};

/* ---- ARRAY_OF_MAPS ------------------------------------------------------------------------ */
static void *aom_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	slot_t *s = slot_at(m, key);
	return s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
}

static long aom_update(struct xbpf_map *m, const void *key, const void *value,
		       uint64_t flags, int cpu)
{
	slot_t *s = slot_at(m, key);
	if (!s)
		return -E2BIG;
	if ((flags & 3) == XBPF_NOEXIST)
		return -EEXIST;
	struct xbpf_map *in;
	int err = map_inner_get(m, value, &in);
	if (err)
		return err;
	struct xbpf_map *old = atomic_exchange(s, in);
	if (old)
		vm_map_put(old);
	return 0;
}

static long aom_delete(struct xbpf_map *m, const void *key)
{
	slot_t *s = slot_at(m, key);
	if (!s)
		return -E2BIG;
	struct xbpf_map *old = atomic_exchange(s, NULL);
	if (!old)
		return -ENOENT;
	vm_map_put(old);
	return 0;
}

static int aom_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	struct xbpf_map *in = aom_lookup(m, key, 0);
	if (!in)
		return -ENOENT;
	memcpy(value, &in->id, 4);
	return 0;
}

static void aom_release(struct xbpf_map *m)
{
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct xbpf_map *old = atomic_exchange((slot_t *)elem(m, i), NULL);
		if (old)
			vm_map_put(old);
	}
}

const struct map_ops map_array_of_maps_ops = {
	.check = array_check,
	.layout = array_layout,
	.attach = array_attach,
	.lookup = aom_lookup,
	.update = aom_update,
	.delete = aom_delete,
	.get_next_key = array_get_next_key,
	.lookup_user = aom_lookup_user,
	.release = aom_release,
};
