/* map_api.c - the element API: user-space calls (the bpf() syscall's BPF_MAP_* commands,
 * including the batch commands), the program-side entry points the helpers use, and the
 * slot setters of program arrays and map-in-map maps. Everything dispatches to the
 * per-type ops (map_*.c); this file holds the argument checks the kernel does before.
 */
#include <stdlib.h>
#include <string.h>
#include "map_internal.h"
#include "../vm/vm_internal.h"

static bool is_queue(const struct xbpf_map *m)
{
	return m->type == XBPF_MAP_TYPE_QUEUE || m->type == XBPF_MAP_TYPE_STACK ||
	       m->type == XBPF_MAP_TYPE_BLOOM_FILTER;
}

/* The update flags every map checks first: 0/-EINVAL. */
static int update_flags_ok(const struct xbpf_map *m, uint64_t flags)
{
	if ((flags & ~(uint64_t)XBPF_F_LOCK) > XBPF_EXIST)
		return -EINVAL;
	if ((flags & XBPF_F_LOCK) && m->spin_lock_off == UINT32_MAX)
		return -EINVAL;
	return 0;
}

/* ---- user space -------------------------------------------------------------------------- */
int xbpf_map__lookup_elem_flags(const struct xbpf_map *cm, const void *key, void *value,
				uint64_t flags)
{
	struct xbpf_map *m = (struct xbpf_map *)cm;
	if (!map_valid(m) || !value || (!key && m->key_size))
		return -EINVAL;
	if (flags & ~(uint64_t)XBPF_F_LOCK)
		return -EINVAL;
	if ((flags & XBPF_F_LOCK) && m->spin_lock_off == UINT32_MAX)
		return -EINVAL;
	if (m->map_flags & XBPF_F_WRONLY)
		return -EPERM;
	if (is_queue(m))
		return m->ops->pop ? (int)m->ops->pop(m, value, false) : -EINVAL;
	if (!m->ops->lookup_user)
		return -EINVAL;
	return m->ops->lookup_user(m, key, value, flags);
}

int xbpf_map__lookup_elem(const struct xbpf_map *m, const void *key, void *value)
{
	return xbpf_map__lookup_elem_flags(m, key, value, 0);
}

int xbpf_map__update_elem(struct xbpf_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	if (!map_valid(m) || !value || (!key && m->key_size))
		return -EINVAL;
	if (!map_user_writable(m))
		return -EPERM;
	if (is_queue(m))
		return m->ops->push ? (int)m->ops->push(m, value, flags) : -EINVAL;
	int err = update_flags_ok(m, flags);
	if (err)
		return err;
	if (!m->ops->update)
		return -EINVAL;
	return (int)m->ops->update(m, key, value, flags, -1);
}

int xbpf_map__delete_elem(struct xbpf_map *m, const void *key)
{
	if (!map_valid(m) || (!key && m->key_size))
		return -EINVAL;
	if (!map_user_writable(m))
		return -EPERM;
	if (!m->ops->delete)
		return -EINVAL;
	return (int)m->ops->delete(m, key);
}

int xbpf_map__get_next_key(const struct xbpf_map *cm, const void *key, void *next_key)
{
	struct xbpf_map *m = (struct xbpf_map *)cm;
	if (!map_valid(m) || !next_key)
		return -EINVAL;
	if (!m->ops->get_next_key)
		return -EINVAL;
	return m->ops->get_next_key(m, key, next_key);
}

int xbpf_map__lookup_and_delete_elem(struct xbpf_map *m, const void *key, void *value)
{
	if (!map_valid(m) || !value || (!key && m->key_size))
		return -EINVAL;
	if (!map_user_writable(m) || (m->map_flags & XBPF_F_WRONLY))
		return -EPERM;
	if (is_queue(m))
		return m->ops->pop && m->type != XBPF_MAP_TYPE_BLOOM_FILTER ?
		       (int)m->ops->pop(m, value, true) : -ENOTSUPP;
	if (!m->ops->lookup_and_delete)
		return -ENOTSUPP;
	return m->ops->lookup_and_delete(m, key, value);
}

/* ---- batch --------------------------------------------------------------------------------- */
static bool batch_supported(const struct xbpf_map *m)
{
	return m->ops == &map_array_ops || m->ops == &map_hash_ops;
}

static int batch_common(struct xbpf_map *m, void *in_batch, void *out_batch, void *keys,
			void *values, uint32_t *count, const struct xbpf_map_batch_opts *opts,
			bool del)
{
	if (!map_valid(m) || !count || !keys || !values || !out_batch)
		return -EINVAL;
	if (!batch_supported(m) || (del && m->ops != &map_hash_ops))
		return -ENOTSUPP;
	uint64_t ef = opts ? opts->elem_flags : 0;
	if ((opts && opts->flags) || (ef & ~(uint64_t)XBPF_F_LOCK))
		return -EINVAL;
	uint32_t max = *count, n = 0;
	*count = 0;
	if (!max)
		return 0;
	size_t vs = xbpf_map__user_value_size(m);
	uint8_t *k = keys, *v = values;
	const void *prev = in_batch;
	int err = 0;
	while (n < max) {
		err = m->ops->get_next_key(m, prev, k + (size_t)n * m->key_size);
		if (err)
			break;
		void *key = k + (size_t)n * m->key_size;
		err = m->ops->lookup_user(m, key, v + n * vs, ef);
		if (err == -ENOENT) {   /* deleted meanwhile: continue after it */
			memcpy(out_batch, key, m->key_size);
			prev = out_batch;
			continue;
		}
		if (err)
			break;
		if (del)
			m->ops->delete(m, key);
		prev = key;
		n++;
	}
	if (n)
		memcpy(out_batch, k + (size_t)(n - 1) * m->key_size, m->key_size);
	*count = n;
	return err;
}

int xbpf_map__lookup_batch(const struct xbpf_map *m, void *in_batch, void *out_batch,
			   void *keys, void *values, uint32_t *count,
			   const struct xbpf_map_batch_opts *opts)
{
	return batch_common((struct xbpf_map *)m, in_batch, out_batch, keys, values, count,
			    opts, false);
}

int xbpf_map__lookup_and_delete_batch(struct xbpf_map *m, void *in_batch, void *out_batch,
				      void *keys, void *values, uint32_t *count,
				      const struct xbpf_map_batch_opts *opts)
{
	return batch_common(m, in_batch, out_batch, keys, values, count, opts, true);
}

int xbpf_map__update_batch(struct xbpf_map *m, const void *keys, const void *values,
			   uint32_t *count, const struct xbpf_map_batch_opts *opts)
{
	if (!map_valid(m) || !count || !keys || !values || (opts && opts->flags))
		return -EINVAL;
	if (!batch_supported(m))
		return -ENOTSUPP;
	uint32_t max = *count;
	size_t vs = xbpf_map__user_value_size(m);
	int err = 0;
	*count = 0;
	for (uint32_t i = 0; i < max; i++) {
		err = xbpf_map__update_elem(m, (const uint8_t *)keys + (size_t)i * m->key_size,
					    (const uint8_t *)values + i * vs,
					    opts ? opts->elem_flags : 0);
		if (err)
			break;
		*count = i + 1;
	}
	return err;
}

int xbpf_map__delete_batch(struct xbpf_map *m, const void *keys, uint32_t *count,
			   const struct xbpf_map_batch_opts *opts)
{
	if (!map_valid(m) || !count || !keys || (opts && (opts->flags || opts->elem_flags)))
		return -EINVAL;
	if (!batch_supported(m))
		return -ENOTSUPP;
	uint32_t max = *count;
	int err = 0;
	*count = 0;
	for (uint32_t i = 0; i < max; i++) {
		err = xbpf_map__delete_elem(m, (const uint8_t *)keys + (size_t)i * m->key_size);
		if (err)
			break;
		*count = i + 1;
	}
	return err;
}

/* ---- program side ------------------------------------------------------------------------ */
void *map_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	return m->ops->lookup ? m->ops->lookup(m, key, cpu) : NULL;
}

long map_delete(struct xbpf_map *m, const void *key)
{
	if (!m->ops->delete || (m->map_flags & XBPF_F_RDONLY_PROG) ||
	    m->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == XBPF_MAP_TYPE_HASH_OF_MAPS ||
	    m->type == XBPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	return m->ops->delete(m, key);
}

long map_push(struct xbpf_map *m, const void *value, uint64_t flags)
{
	if (m->map_flags & XBPF_F_RDONLY_PROG)
		return -EPERM;
	return m->ops->push ? m->ops->push(m, value, flags) : -EINVAL;
}

long map_pop(struct xbpf_map *m, void *value)
{
	if (m->type == XBPF_MAP_TYPE_BLOOM_FILTER)
		return -EOPNOTSUPP;
	return m->ops->pop ? m->ops->pop(m, value, true) : -EINVAL;
}

long map_peek(struct xbpf_map *m, void *value)
{
	return m->ops->pop ? m->ops->pop(m, value, false) : -EINVAL;
}

int map_get_next_key(struct xbpf_map *m, const void *key, void *next)
{
	return m->ops->get_next_key ? m->ops->get_next_key(m, key, next) : -EINVAL;
}

long map_for_each(struct xbpf_map *m, unsigned cpu,
		  long (*cb)(void *key, void *value, void *ctx), void *ctx)
{
	return m->ops->for_each ? m->ops->for_each(m, cpu % m->ncpus, cb, ctx) : -EINVAL;
}

/* ---- slots holding programs and maps ----------------------------------------------------- */
static _Atomic uint32_t prog_id_next = 1;

int xbpf_map__set_prog(struct xbpf_map *m, uint32_t idx, struct xbpf_prog *prog)
{
	if (!map_valid(m) || m->type != XBPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	if (idx >= m->max_entries)
		return -E2BIG;
	_Atomic(struct xbpf_prog *) *slot = (void *)(m->base + m->a->data_off + idx * 8ull);
	if (prog) {
		vm_prog_get(prog);
		m->prog_ids[idx] = atomic_fetch_add(&prog_id_next, 1);
	}
	struct xbpf_prog *old = atomic_exchange(slot, prog);
	if (old)
		vm_prog_put(old);
	else if (!prog)
		return -ENOENT;
	return 0;
}

struct xbpf_prog *map_prog_array_get(struct xbpf_map *m, uint32_t idx)
{
	if (m->type != XBPF_MAP_TYPE_PROG_ARRAY || idx >= m->max_entries)
		return NULL;
	_Atomic(struct xbpf_prog *) *slot = (void *)(m->base + m->a->data_off + idx * 8ull);
	return atomic_load_explicit(slot, memory_order_acquire);
}

int xbpf_map__set_inner_map(struct xbpf_map *m, const void *key, struct xbpf_map *inner)
{
	if (!map_valid(m) || (m->type != XBPF_MAP_TYPE_ARRAY_OF_MAPS &&
			      m->type != XBPF_MAP_TYPE_HASH_OF_MAPS))
		return -EINVAL;
	if (!inner)
		return xbpf_map__delete_elem(m, key);
	uint32_t id = inner->id;
	return xbpf_map__update_elem(m, key, &id, XBPF_ANY);
}
